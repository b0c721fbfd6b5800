"""Form pieces every app shares: the checked upload fields."""

from django import forms
from django.core.exceptions import ValidationError

from .files import check_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CheckedFileField(forms.FileField):
    """A file field whose cleaned value is a CheckedUpload (kind told by content, size capped)."""

    def __init__(self, *, allowed, max_mb, **kwargs):
        self.allowed, self.max_mb = allowed, max_mb
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        return check_upload(upload, allowed=self.allowed, max_mb=self.max_mb)


class MultipleCheckedFileField(CheckedFileField):
    widget = MultipleFileInput

    def __init__(self, *, max_files=5, **kwargs):
        self.max_files = max_files
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_files:
            raise ValidationError(f"Attach at most {self.max_files} files.")
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(check_upload(upload, allowed=self.allowed, max_mb=self.max_mb))
            except ValidationError as exc:
                errors.append(f"{upload.name}: {exc.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return checked
