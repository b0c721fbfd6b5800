from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .models import User

# The backend a view names when it signs someone in itself (after confirming an email or an invitation).
AUTH_BACKEND = "accounts.backends.EmailBackend"


def normalize_email_identity(value) -> str:
    """The one spelling of a login email: no surrounding spaces, lower case.

    Accounts store their email this way, the backend looks users up with it and django-axes
    counts failures under it (``AXES_USERNAME_CALLABLE``), so ``" A@Example.Test"`` and
    ``"a@example.test"`` are one person to the lockout.
    """
    return str(value or "").strip().lower()


def axes_username(request, credentials=None) -> str:
    """django-axes: the normalised email of a login attempt (page form, API or reset)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return normalize_email_identity(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalize_email_identity(data.get(field) or data.get("email"))


class EmailBackend(ModelBackend):
    """Django's model backend, loading the signed-in user with both profiles.

    Every page asks ``user.is_patient`` / ``user.is_doctor`` (the navbar does); joining the
    profiles here saves those queries on every request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        return super().authenticate(request, username=normalize_email_identity(username) or None,
                                    password=password, **kwargs)

    def get_user(self, user_id):
        user = User._default_manager.select_related("patient_profile", "doctor_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
