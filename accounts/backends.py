from django.contrib.auth.backends import ModelBackend

from .models import User


class EmailBackend(ModelBackend):
    """Django's model backend, loading the signed-in user with both profiles.

    Every page asks ``user.is_patient`` / ``user.is_doctor`` (the navbar does); joining the
    profiles here saves those queries on every request.
    """

    def get_user(self, user_id):
        user = User._default_manager.select_related("patient_profile", "doctor_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
