"""The outbox: every email is a row written with the work that causes it, and a task sends it.

``queue_email()`` stores an ``OutgoingEmail`` in the caller's transaction and, once that commits,
queues ``healthstack.tasks.deliver_email_task``. A request therefore never waits for the mail server,
and an email is never lost with it: a failed attempt is recorded with its reason and tried again
after a growing pause (``EMAIL_RETRY_BASE_SECONDS`` doubling up to ``EMAIL_RETRY_MAX_SECONDS``)
until ``EMAIL_MAX_ATTEMPTS``, then the email is marked failed for the operator, who can queue it
again from the admin. A sender claims the row for ``EMAIL_CLAIM_SECONDS`` before it talks to the
server, so two consumers never send one email; a consumer that dies mid-send leaves the claim to
run out and the every-minute sweep (``deliver_due_emails``) sends it then.

Attachments are named, not carried: ``("receipt", payment_pk)``. Each app registers a renderer
for its kind (``register_attachment``) and the PDF is made in the task, not in the request.

Made-up data writes no email: ``seed_demo`` runs inside ``emails_suppressed()``, so the demo's
bookings and reports store their notifications and leave nothing in the outbox to send.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import EmailEvent, OutgoingEmail
from .status import locked

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # filename, content, mimetype
_RENDERERS: dict[str, Callable[[int], Attachment]] = {}
_suppressed: ContextVar[bool] = ContextVar("healthstack_emails_suppressed", default=False)


class UnknownAttachment(KeyError):
    def __str__(self):
        return (f"no renderer for email attachments of kind {self.args[0]!r}: register one with "
                f"healthstack.mail.register_attachment() in its app's AppConfig.ready()")


def register_attachment(kind: str, render: Callable[[int], Attachment]) -> None:
    """``render(ref)`` returns (filename, bytes, mimetype) for the thing ``ref`` names, when the email is sent."""
    _RENDERERS[kind] = render


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """Inside the block ``queue_email()`` writes no email, so none is ever sent.

    For data that is made up (``seed_demo``): its addresses reach nobody, and a console backend
    would print every one of them over the terminal of a first ``make run``. Only the code that
    runs inside the block (this thread or task) is affected, never another request.
    """
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def queue_email(*, to: str, subject: str, text: str, html: str = "", attachments=(), about: str = "",
                now: datetime | None = None) -> OutgoingEmail | None:
    """Store an email to send after the current transaction commits; return it (None inside
    ``emails_suppressed()``, which writes nothing).

    ``attachments`` is a sequence of (kind, ref) pairs with a registered renderer; an unknown
    kind raises UnknownAttachment here, in the caller, not later in the task.
    """
    for kind, _ref in attachments:
        if kind not in _RENDERERS:
            raise UnknownAttachment(kind)
    if _suppressed.get():
        return None
    now = now or timezone.now()
    email = OutgoingEmail.objects.create(
        to=to, subject=subject[:300], text=text, html=html, attachments=[[kind, ref] for kind, ref in attachments],
        about=about[:80], created_at=now, next_attempt_at=now,
    )
    email.events.create(kind=EmailEvent.Kind.QUEUED)
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _enqueue(email_id: int) -> None:
    from .tasks import deliver_email_task

    try:
        deliver_email_task(email_id)
    except Exception:
        # The queue itself is down (Redis stopped): the row waits for the sweep, the page goes on.
        logger.warning("outbox: could not queue email %s; the sweep will send it", email_id, exc_info=True)


def retry_delay(attempts: int) -> timedelta:
    """The pause after the ``attempts``-th failed attempt: doubling from the base, never above the maximum."""
    seconds = settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.EMAIL_RETRY_MAX_SECONDS))


def _claim(email_id: int, now: datetime) -> bool:
    """Take the email for one attempt if it is due and nobody holds it; True if this caller got it."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    return bool(
        OutgoingEmail.objects.filter(free, pk=email_id, status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now)
        .update(claimed_until=now + timedelta(seconds=settings.EMAIL_CLAIM_SECONDS))
    )


def _message(email: OutgoingEmail, connection) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "healthstack.local"
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.text, to=[email.to], connection=connection,
        # The same id on every attempt: a mail system that got an earlier attempt knows it is one email.
        headers={"Message-ID": f"<outbox-{email.pk}-{email.created_at:%Y%m%d%H%M%S}@{domain}>"},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for kind, ref in email.attachments:
        if kind not in _RENDERERS:
            raise UnknownAttachment(kind)
        message.attach(*_RENDERERS[kind](ref))
    return message


def deliver_email(email_id: int, *, now: datetime | None = None) -> str:
    """Try to send one queued email; return "sent", "retry", "failed" or "skipped" (not due, held, done)."""
    now = now or timezone.now()
    if not _claim(email_id, now):
        return "skipped"
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        _message(email, get_connection(timeout=settings.EMAIL_TIMEOUT)).send()
    except Exception as error:  # the server refused, timed out, or an attachment failed to render
        reason = f"{type(error).__name__}: {error}"[:1000]
        logger.warning("outbox: email %s attempt %s failed: %s", email_id, email.attempts + 1, reason)
        return _attempt_failed(email, reason, now)
    with transaction.atomic():
        email = locked(email)
        email.attempts += 1
        email.sent_at = timezone.now()
        email.claimed_until = None
        email.last_error = ""
        email.transition_to(OutgoingEmail.Status.SENT, by=None,
                            fields=["attempts", "sent_at", "claimed_until", "last_error"])
    return "sent"


def _attempt_failed(email: OutgoingEmail, reason: str, now: datetime) -> str:
    with transaction.atomic():
        email = locked(email)
        email.attempts += 1
        email.last_error = reason
        email.claimed_until = None
        if email.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            email.transition_to(OutgoingEmail.Status.FAILED, by=None, reason=reason,
                                fields=["attempts", "last_error", "claimed_until"])
            return "failed"
        email.next_attempt_at = now + retry_delay(email.attempts)
        email.save(update_fields=["attempts", "last_error", "claimed_until", "next_attempt_at"])
        email.events.create(kind=EmailEvent.Kind.ATTEMPT_FAILED, error=reason)
        delay = (email.next_attempt_at - now).total_seconds()
    transaction.on_commit(lambda: _schedule_retry(email.pk, delay))
    return "retry"


def _schedule_retry(email_id: int, delay: float) -> None:
    from .tasks import deliver_email_task

    try:
        deliver_email_task.schedule((email_id,), delay=delay)
    except Exception:
        logger.warning("outbox: could not schedule the retry of email %s; the sweep will", email_id, exc_info=True)


def deliver_due_emails(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every queued email whose next attempt is due and that nobody holds; count the outcomes.

    The every-minute sweep: it picks up emails whose task was lost (a consumer killed mid-send,
    a queue that was down when the email was written) as well as due retries.
    """
    now = now or timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    due = (OutgoingEmail.objects.filter(free, status=OutgoingEmail.Status.QUEUED, next_attempt_at__lte=now)
           .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    outcomes: dict[str, int] = {}
    for email_id in list(due):
        outcome = deliver_email(email_id, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@transaction.atomic
def requeue_email(email: OutgoingEmail, *, by, now: datetime | None = None) -> OutgoingEmail:
    """The operator sends a failed email again: it is queued now with its attempts counted afresh."""
    email = locked(email)
    email.attempts = 0
    email.next_attempt_at = now or timezone.now()
    email.transition_to(OutgoingEmail.Status.QUEUED, by=by, reason="Queued again by the operator.",
                        fields=["attempts", "next_attempt_at"])
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def operator_addresses() -> list[str]:
    """Who runs this installation: OPERATOR_EMAILS, or else every active superuser with an email."""
    if settings.OPERATOR_EMAILS:
        return list(settings.OPERATOR_EMAILS)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_superuser=True, is_active=True).exclude(email="")
    return list(users.order_by("pk").values_list("email", flat=True))


def alert_operators(*, subject: str, text: str, about: str, now: datetime | None = None) -> int:
    """Email the operators about something wrong with the installation; return how many were queued."""
    addresses = operator_addresses()
    for address in addresses:
        queue_email(to=address, subject=subject, text=text, about=about, now=now)
    if not addresses:
        logger.error("operator alert with nobody to tell (set OPERATOR_EMAILS): %s", subject)
    return len(addresses)
