"""Sign-up, profile, password and API-token writes for patients, doctors and staff."""

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext, ngettext

from healthstack import mail, ratelimit, realtime
from healthstack.files import CheckedUpload

from .backends import normalize_email_identity
from .confirmation import confirmation_path_args
from .models import ApiToken, DoctorProfile, PatientProfile, User

TOKEN_USE_STAMP_SECONDS = 60

logger = logging.getLogger(__name__)


class AccountError(Exception):
    """An account change that is not allowed; the message is shown to the user."""


class TooManyEmails(AccountError):
    """More sign-up or password-reset emails were asked for than the limits allow; the message says when to retry."""


def count_account_email(*, kind: str, email: str, client: str, now: datetime | None = None) -> None:
    """Count one ``kind`` email ("signup", "password_reset") asked for ``email`` from the ``client`` address.

    Raises TooManyEmails once either count is over its limit in the current window
    (ACCOUNT_EMAILS_PER_ADDRESS, ACCOUNT_EMAILS_PER_CLIENT per ACCOUNT_EMAILS_WINDOW_MINUTES).
    An address is counted whether or not it has an account, so the refusal reveals nothing.
    """
    instant = (now or timezone.now()).timestamp()
    window = settings.ACCOUNT_EMAILS_WINDOW_MINUTES * 60
    uses = [
        ratelimit.count_use(scope=f"{kind}-address", key=normalize_email_identity(email),
                            limit=settings.ACCOUNT_EMAILS_PER_ADDRESS, window_seconds=window, now=instant),
        ratelimit.count_use(scope=f"{kind}-client", key=client or "unknown",
                            limit=settings.ACCOUNT_EMAILS_PER_CLIENT, window_seconds=window, now=instant),
    ]
    refused = [use for use in uses if not use.allowed]
    if refused:
        minutes = max(1, -(-max(use.retry_after for use in refused) // 60))
        raise TooManyEmails(ngettext(
            "Too many emails were asked for this address or from your connection; try again in %(minutes)d minute.",
            "Too many emails were asked for this address or from your connection; try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes})


class RegistrationNumberTaken(AccountError):
    """A doctor profile already holds this registration number."""

    def __init__(self, registration_number: str, holder: "DoctorProfile"):
        super().__init__(gettext("A doctor with this registration number is already registered."))
        self.registration_number, self.holder = registration_number, holder


def new_patient_number() -> str:
    while True:
        number = "P" + "".join(secrets.choice("0123456789") for _ in range(8))
        if not PatientProfile.objects.filter(patient_number=number).exists():
            return number


def _create_user(*, email: str, password: str, full_name: str, phone: str, confirmed: bool) -> User:
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError("An account with this email already exists.")
    return User.objects.create_user(email=email, password=password, full_name=full_name.strip(), phone=phone,
                                    is_active=confirmed, awaiting_email_confirmation=not confirmed)


@transaction.atomic
def register_patient(*, email: str, password: str, full_name: str, phone: str = "", confirmed: bool = True,
                     **profile) -> User:
    """Create a user with a patient profile (sharing consent on by default).

    ``confirmed=False`` (self sign-up) leaves the account inactive until the emailed link is opened.
    """
    user = _create_user(email=email, password=password, full_name=full_name, phone=phone, confirmed=confirmed)
    PatientProfile.objects.create(user=user, patient_number=new_patient_number(), **profile)
    return user


@transaction.atomic
def register_doctor(*, email: str, password: str, full_name: str, phone: str = "", confirmed: bool = True,
                    photo: CheckedUpload | None = None, **profile) -> User:
    """Create a user with a doctor profile; the doctor then applies to hospitals.

    Raises RegistrationNumberTaken if a doctor already holds the registration number (any case).
    """
    number = profile["registration_number"]
    holder = DoctorProfile.objects.select_related("user").filter(registration_number__iexact=number).first()
    if holder is not None:
        raise RegistrationNumberTaken(number, holder)
    user = _create_user(email=email, password=password, full_name=full_name, phone=phone, confirmed=confirmed)
    doctor = DoctorProfile(user=user, **profile)
    if photo:
        doctor.photo.save(photo.content.name, photo.content, save=False)
    doctor.save()
    return user


def send_account_email(*, user: User, template: str, context: dict) -> None:
    """Email the owner of an account through the outbox (text and HTML), sent once the caller commits.

    Uses ``emails/<template>_subject.txt`` and ``emails/<template>.txt``; ``url`` in the
    context is a site path, shown as a full link. A failing mail server delays the email and
    never undoes or slows the caller's work (healthstack.mail).
    """
    context = dict(context, user=user, site_url=settings.SITE_URL)
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context).strip()
    html = render_to_string("emails/base.html", dict(context, title=subject, body=text))
    mail.queue_email(to=user.email, subject=subject, text=text, html=html, about=template)


@transaction.atomic
def sign_up(*, register, email: str, password: str, client: str, next_url: str = "", **fields) -> User | None:
    """Self sign-up that tells nobody but the mailbox owner whether the email had an account.

    ``register`` is ``register_patient`` or ``register_doctor``. A new email gets an inactive
    account and a confirmation link by email; an email with an account gets a note that someone
    tried to sign up with it (and the same password-hashing work, so the answer takes as long).
    An unconfirmed earlier sign-up of the same email is replaced: only the mailbox owner can
    confirm either. Returns the new user, or None; the caller shows the same page either way.
    ``next_url`` (already checked to be on this site) rides on the confirmation link, so the
    person lands where they were going once confirmed.
    A doctor registration number that another account holds is answered the same way: no
    account is made, the mailbox gets a note saying so (and how to reach the account that has
    it), and the operators are told, as it may be someone else's number (``_number_taken``).
    Raises TooManyEmails past the sign-up email limits for the address or the ``client`` address
    (``count_account_email``).
    """
    email = normalize_email_identity(email)
    count_account_email(kind="signup", email=email, client=client)
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None and not existing.awaiting_email_confirmation:
        make_password(password)
        send_account_email(user=existing, template="signup_existing_account",
                           context={"url": reverse("accounts:password-reset")})
        return None
    if existing is not None:
        existing.delete()
    try:
        with transaction.atomic():
            user = register(email=email, password=password, confirmed=False, **fields)
    except RegistrationNumberTaken as taken:
        make_password(password)  # the work a new account costs, so the answer takes as long
        _number_taken(email=email, full_name=fields.get("full_name", ""), taken=taken)
        return None
    except IntegrityError:  # the same email (or number) signing up twice at once: the other request answers it
        return None
    confirm_url = reverse("accounts:signup-confirm", args=confirmation_path_args(user))
    if next_url:
        confirm_url += "?" + urlencode({"next": next_url})
    send_account_email(user=user, template="signup_confirm", context={
        "url": confirm_url,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    })
    return user


def request_password_reset(*, email: str, client: str) -> None:
    """Ask for a reset link to ``email``, doing the same work whether or not it has an account.

    The request only queues ``accounts.tasks.password_reset_task``; the task looks the account
    up and emails the link (``send_password_reset``), so the answer takes as long either way.
    If the queue is down the work is done here instead (and logged). Raises TooManyEmails past
    the limits for the address or the ``client`` address, alike for every address.
    """
    from .tasks import password_reset_task  # the tasks module imports this one

    email = normalize_email_identity(email)
    count_account_email(kind="password_reset", email=email, client=client)
    try:
        password_reset_task(email)
    except Exception:
        logger.warning("could not queue a password reset; sending it in the request", exc_info=True)
        send_password_reset(email=email)


@transaction.atomic
def send_password_reset(*, email: str) -> int:
    """Email a link to choose a new password to the active account with ``email``, if there is one.

    Returns how many were sent (0 or 1). An account without a usable password (made by the
    operator to never log in) gets none. The link is built on SITE_URL, valid
    PASSWORD_RESET_TIMEOUT, and stops working once the password changes.
    """
    email = normalize_email_identity(email)
    users = [user for user in User.objects.filter(email__iexact=email, is_active=True) if user.has_usable_password()]
    for user in users:
        url = reverse("accounts:password-reset-confirm", kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
        })
        send_account_email(user=user, template="password_reset", context={"url": url})
    return len(users)


def _number_taken(*, email: str, full_name: str, taken: RegistrationNumberTaken) -> None:
    """Tell a doctor sign-up's mailbox that its registration number is held already, and the operators."""
    applicant = User(email=email, full_name=full_name.strip())  # not saved: only the email is addressed to it
    send_account_email(user=applicant, template="signup_number_taken", context={
        "registration_number": taken.registration_number, "url": reverse("accounts:password-reset"),
    })
    mail.alert_operators(
        subject=gettext("A doctor sign-up gave a registration number already registered"),
        text=gettext("%(applicant)s asked for a doctor account with the registration number %(number)s, which "
                     "the account of %(holder)s holds. No account was made; the applicant was told by email. "
                     "If the number is the applicant's, check the account that holds it.") % {
            "applicant": email, "number": taken.registration_number, "holder": taken.holder.user.email,
        },
        about="signup_number_taken",
    )


@transaction.atomic
def confirm_email(*, user: User) -> User:
    """Activate an account whose owner opened the confirmation link. Idempotent."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.awaiting_email_confirmation:
        user.is_active, user.awaiting_email_confirmation = True, False
        user.save(update_fields=["is_active", "awaiting_email_confirmation"])
    return user


@transaction.atomic
def ensure_patient_profile(*, user: User) -> PatientProfile:
    """Staff and doctors may also be patients somewhere: give them a patient profile on demand."""
    profile = PatientProfile.objects.filter(user=user).first()
    return profile or PatientProfile.objects.create(user=user, patient_number=new_patient_number())


@transaction.atomic
def update_profile(*, user: User, full_name: str, phone: str, profile=None,
                   photo: CheckedUpload | None = None, **profile_fields) -> User:
    """Update the user's name and phone and the given profile's fields (patient or doctor)."""
    user.full_name, user.phone = full_name.strip(), phone
    user.save(update_fields=["full_name", "phone"])
    if profile is not None:
        for field, value in profile_fields.items():
            setattr(profile, field, value)
        if photo:
            profile.photo.save(photo.content.name, photo.content, save=False)
        profile.save()
    return user


def is_hospital_staff(user: User) -> bool:
    """Does the user hold an approved membership at any hospital (their tokens idle out)?"""
    return user.memberships.approved().exists()


def api_token_lifetime() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def staff_api_token_idle_time() -> timedelta:
    return timedelta(minutes=settings.STAFF_API_TOKEN_TTL_MINUTES)


@transaction.atomic
def issue_api_token(*, user: User, client: str = "", now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new API token for a user who just proved who they are; returns (token row, secret key).

    Every log-in gets its own token (one per device); the user's expired ones are deleted.
    A hospital staff member's token starts with the staff idle time, not the full lifetime.
    The secret is returned once and never stored (only its hash is).
    """
    now = now or timezone.now()
    ApiToken.objects.for_user(user).filter(expiry__lte=now).delete()
    ttl = min(staff_api_token_idle_time(), api_token_lifetime()) if is_hospital_staff(user) else api_token_lifetime()
    return ApiToken.objects.create(user=user, expiry=ttl, client=client[:200])


def record_api_token_use(*, token: ApiToken, now: datetime) -> ApiToken:
    """Note that ``token`` was just used; for hospital staff, push its expiry to now + the idle time.

    A staff token never outlives API_TOKEN_TTL_HOURS from when it was made, and a patient
    token who became staff is cut to the idle time at its next use. Written at most once a
    minute (the idle clock is precise to that minute), with an UPDATE: no row lock.
    """
    expiry = token.expiry
    if is_hospital_staff(token.user):
        expiry = min(now + staff_api_token_idle_time(), token.created + api_token_lifetime())
    stale = token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOKEN_USE_STAMP_SECONDS
    if stale or expiry < token.expiry:
        ApiToken.objects.filter(pk=token.pk).update(expiry=expiry, last_used_at=now)
        token.expiry, token.last_used_at = expiry, now
    return token


def revoke_api_tokens(*, user: User, digest: str | None = None) -> int:
    """Delete the user's API tokens (or only the one with ``digest``); return how many went."""
    tokens = ApiToken.objects.for_user(user)
    if digest is not None:
        tokens = tokens.filter(digest=digest)
    return tokens.delete()[0]


@transaction.atomic
def end_sessions(*, user_ids) -> int:
    """Sign these users out everywhere at once: every web session and every API token; return how many users.

    Their sessions stop at their next request (a session's signature includes
    ``User.session_token``, given a new random value here), their tokens are deleted and their
    open sockets are closed after commit. One
    UPDATE and one DELETE, however many users and sessions; no row is locked. A person who
    works at several hospitals is signed out of all of them and logs in again.
    """
    ids = list(user_ids)
    User.objects.filter(pk__in=ids).update(session_token=secrets.token_hex(16))
    ApiToken.objects.filter(user_id__in=ids).delete()
    realtime.close_user_sockets(ids)
    return len(ids)


@transaction.atomic
def set_password(*, user: User, password: str) -> User:
    """Give the user a new password (change or reset) and end every API token they had.

    Their other web sessions end too: Django checks the password hash on each request.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_api_tokens(user=user)
    return user


def purge_expired_tokens(*, now: datetime | None = None) -> int:
    """Delete API tokens past their expiry (they no longer sign anyone in); return how many."""
    deleted, _ = ApiToken.objects.filter(expiry__lte=now or timezone.now()).delete()
    return deleted
