from django import forms

from .models import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    """Text, a file, or both; the file is checked by chat.services.post_message (by content)."""

    body = forms.CharField(
        label="Message", required=False, max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a message…", "autocomplete": "off"}),
    )
    attachment = forms.FileField(label="Attach a file", required=False)
