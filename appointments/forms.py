from django import forms

from hospitals.models import Membership

from .models import DayOff, Review, ScheduleRule


class ScheduleRuleForm(forms.ModelForm):
    class Meta:
        model = ScheduleRule
        fields = ["weekday", "start_time", "end_time", "slot_minutes"]
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        labels = {"slot_minutes": "Minutes per patient"}


class DayOffForm(forms.ModelForm):
    class Meta:
        model = DayOff
        fields = ["date", "reason"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class SlotFilterForm(forms.Form):
    """Which hospital and date the booking page shows free times for (GET)."""

    membership = forms.ModelChoiceField(queryset=Membership.objects.none(), label="Hospital", empty_label=None)
    date = forms.DateField(label="Date", required=False)

    def __init__(self, *args, memberships, open_dates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships
        self.fields["membership"].label_from_instance = lambda m: f"{m.hospital.name} — {m.department.name}"
        self.fields["date"].widget = forms.Select(
            choices=[(day.isoformat(), f"{day:%a %d %b} · {count} free") for day, count in open_dates]
        )


class BookingForm(forms.Form):
    membership = forms.ModelChoiceField(queryset=Membership.objects.none(), widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    start = forms.TimeField(label="Time", error_messages={"required": "Choose a time."})
    reason = forms.CharField(
        label="Reason for visit", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few words for the doctor: symptoms, how long, what you need.",
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=500)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why are you cancelling?", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["rating", "text"]
        widgets = {
            "rating": forms.RadioSelect(choices=[(n, "★" * n) for n in range(5, 0, -1)]),
            "text": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"text": "Your review (optional)"}
