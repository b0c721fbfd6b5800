"""Signed, expiring links that prove someone reads the mailbox of the email they signed up with."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password-reset link (valid PASSWORD_RESET_TIMEOUT), salted apart from it; it stops
    working once the account is confirmed or replaced by a newer sign-up (new password hash).
    """

    key_salt = "accounts.confirmation.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}{user.awaiting_email_confirmation}"


email_confirmation_token = EmailConfirmationTokenGenerator()


def confirmation_path_args(user) -> list[str]:
    return [urlsafe_base64_encode(force_bytes(user.pk)), email_confirmation_token.make_token(user)]
