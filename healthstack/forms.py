"""Form pieces every app shares: the checked upload fields and the mixin that finishes them last."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .files import screen_upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CheckedFileField(forms.FileField):
    """A file field whose value, once the form is valid, is a CheckedUpload (kind told by content, size capped).

    The field itself only screens the file (size, kind, an image's header dimensions); the form's
    CheckedUploadsMixin decodes and re-encodes it after every other field passed. ``photo``: an
    image kept only as a photo or logo, stored reduced.
    """

    def __init__(self, *, allowed, max_mb, photo=False, **kwargs):
        self.allowed, self.max_mb, self.photo = allowed, max_mb, photo
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return None
        return screen_upload(upload, allowed=self.allowed, max_mb=self.max_mb, photo=self.photo)

    def finish(self, screened):
        """The CheckedUpload to store; raises ValidationError for the field."""
        return screened.finish()


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
            raise ValidationError(_("Attach at most %(count)s files."), code="max_files",
                                  params={"count": self.max_files})
        return self._each(uploads, lambda upload: screen_upload(upload, allowed=self.allowed, max_mb=self.max_mb,
                                                                 photo=self.photo), name=lambda upload: upload.name)

    def finish(self, screened):
        return self._each(screened, lambda one: one.finish(), name=lambda one: one.original_name)

    @staticmethod
    def _each(items, check, *, name):
        done, errors = [], []
        for item in items:
            try:
                done.append(check(item))
            except ValidationError as exc:
                errors.append(f"{name(item)}: {exc.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return done


class CheckedUploadsMixin:
    """For a form with CheckedFileFields: their files are decoded only once every other field is valid.

    Decoding an image is the costly part of an upload (memory and seconds), so a form with a
    wrong password, a bad email or a missing field never pays for it. Put it first among the
    form's bases; ``cleaned_data`` then holds CheckedUploads.
    """

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self.errors:
            return
        for name, field in self.fields.items():
            screened = self.cleaned_data.get(name)
            if isinstance(field, CheckedFileField) and screened:
                try:
                    self.cleaned_data[name] = field.finish(screened)
                except ValidationError as error:
                    self.add_error(name, error)
