"""notify(): the one way any app tells a user something (in-app, websocket push, email)."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from healthstack import realtime

from .models import Notification

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    title: str  # a Django template string rendered with the context
    email: bool = True
    # A quiet event adds to an unread notification about the same thing instead of replacing it
    # (a receipt under "booking received", "visit completed" under "new prescription").
    quiet: bool = False


EVENTS = {
    "doctor_application_received": Event("New doctor application from {{ doctor_name }}"),
    "doctor_application_approved": Event("You have joined {{ hospital_name }}"),
    "doctor_application_rejected": Event("Your application to {{ hospital_name }} was not accepted"),
    "staff_suspended": Event("Your access to {{ hospital_name }} was suspended"),
    "staff_restored": Event("Your access to {{ hospital_name }} was restored"),
    "hospital_approved": Event(_("{{ hospital_name }} is approved on HealthStack")),
    "booking_received": Event("Appointment request received: {{ doctor_name }} on {{ when }}"),
    "booking_new": Event("New booking: {{ patient_name }} with {{ doctor_name }} on {{ when }}"),
    "appointment_confirmed": Event("Confirmed: token {{ token_number }} with {{ doctor_name }} on {{ when }}"),
    "appointment_rejected": Event("Your appointment with {{ doctor_name }} was not accepted"),
    "appointment_cancelled": Event("Appointment cancelled: {{ doctor_name }} on {{ when }}"),
    "appointment_cancelled_staff": Event("Cancelled: {{ patient_name }} with {{ doctor_name }} on {{ when }}"),
    "appointment_completed": Event("Visit with {{ doctor_name }} completed", email=False, quiet=True),
    "appointment_no_show": Event("Missed appointment with {{ doctor_name }} on {{ when }}"),
    "appointment_expired": Event("Booking expired unpaid: {{ doctor_name }} on {{ when }}"),
    "appointment_called": Event("Token {{ token_number }}: {{ doctor_name }} will see you now", email=False),
    "appointment_next": Event(
        "{% load i18n %}{% blocktranslate %}You are next: token {{ token_number }} with {{ doctor_name }}{% endblocktranslate %}",
        email=False,
    ),
    "payment_received": Event("Payment received: {{ amount }} to {{ hospital_name }}", quiet=True),
    "payment_on_hold": Event("Payment of {{ amount }} is being reviewed by {{ hospital_name }}"),
    "payment_refunded": Event("Refund of {{ refund_amount }} from {{ hospital_name }}", quiet=True),
    "prescription_issued": Event("{% if is_correction %}Corrected prescription{% else %}New prescription{% endif %} from {{ doctor_name }}"),
}


def notify(user, event: str, context: dict | None = None, *, url: str = "", attachments=(),
           group: str = "", now: datetime | None = None) -> Notification:
    """Store a Notification for ``user``; after commit push it on their socket and email it.

    ``context`` feeds the title and the templates ``emails/<event>.txt`` / ``.html``.
    ``attachments`` is a sequence of (filename, bytes, mimetype). ``group`` names the thing
    the notification is about (``appointment:<id>``): the new notification takes the place of
    the earlier ones of that group, which stay under it as read history, so the unread count
    counts things, not events; a quiet event instead files itself under an unread one and is
    not pushed. Raises KeyError for an unknown event. A failing mail server is logged and never
    undoes the caller's work.
    """
    spec = EVENTS[event]
    context = dict(context or {}, user=user, url=url, site_url=settings.SITE_URL)
    title = Template("{% autoescape off %}" + str(spec.title) + "{% endautoescape %}").render(Context(context))
    body = render_to_string(f"emails/{event}.txt", context).strip()
    notification = _store(user, event, title=title[:200], body=body, url=url, group=group, quiet=spec.quiet,
                           now=now)
    if notification.superseded_by_id is None:
        transaction.on_commit(lambda: _push(notification))
    if spec.email and user.email:
        html = render_to_string("emails/base.html", dict(context, title=title, body=body))
        transaction.on_commit(lambda: _send_email(user.email, title, body, html, attachments, context))
    return notification


@transaction.atomic
def _store(user, event: str, *, title: str, body: str, url: str, group: str, quiet: bool,
           now: datetime | None = None) -> Notification:
    fields = dict(user=user, event=event, title=title, body=body, url=url, group_key=group)
    if not group:
        return Notification.objects.create(**fields)
    now = now or timezone.now()
    same_thing = Notification.objects.for_user(user).filter(group_key=group)
    current = same_thing.current().unread().order_by("-pk").first()
    if quiet and current is not None:
        return Notification.objects.create(**fields, superseded_by=current, read_at=now)
    notification = Notification.objects.create(**fields)
    same_thing.exclude(pk=notification.pk).update(
        superseded_by=notification, read_at=Coalesce("read_at", Value(now, output_field=DateTimeField()))
    )
    return notification


def _push(notification: Notification) -> None:
    """Send the new notification and the unread count to the user's sockets; a down layer is logged."""
    unread = Notification.objects.for_user(notification.user_id).unread().count()
    realtime.send_now(realtime.user_group(notification.user_id), "notification.new", {
        "id": notification.pk, "event": notification.event, "title": notification.title, "url": notification.url,
        "unread": unread,
    })


def send_email(*, address: str, template: str, context: dict, attachments=()) -> None:
    """Email someone who may have no account yet (an invitation), after the transaction commits.

    Uses ``emails/<template>_subject.txt`` and ``emails/<template>.txt``.
    """
    context = dict(context, site_url=settings.SITE_URL, url=context.get("url", ""))
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/{template}.txt", context).strip()
    html = render_to_string("emails/base.html", dict(context, title=subject, body=text))
    transaction.on_commit(lambda: _send_email(address, subject, text, html, attachments, context))


def _send_email(address, subject, text, html, attachments, context) -> None:
    footer = f"\n\n{settings.SITE_URL}{context['url']}" if context.get("url") else ""
    message = EmailMultiAlternatives(subject=subject, body=text + footer, to=[address])
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    try:
        message.send()
    except Exception:
        logger.error("email for event %r to user could not be sent", subject[:40], exc_info=True)


def mark_read(user, notification_id: int | None = None, *, now: datetime | None = None) -> int:
    """Mark one (or all) of the user's notifications read; return how many changed."""
    qs = Notification.objects.for_user(user).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now or timezone.now())
