"""notify(): the one way any app tells a user something (in-app, websocket push, email)."""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone

from healthstack import mail, realtime

from .events import get_event
from .models import Notification

logger = logging.getLogger(__name__)


def notify(user, event: str, context: dict | None = None, *, url: str = "", attachments=(),
           group: str = "", now: datetime | None = None) -> Notification:
    """Store a Notification for ``user``; after commit push it on their socket and email it.

    ``context`` feeds the title and the templates ``emails/<event>.txt`` / ``.html``.
    ``attachments`` is a sequence of (kind, ref) pairs rendered when the email is sent
    (``healthstack.mail.register_attachment``). ``group`` names the thing
    the notification is about (``appointment:<id>``): the new notification takes the place of
    the earlier ones of that group, which stay under it as read history, so the unread count
    counts things, not events; a quiet event instead files itself under an unread one and is
    not pushed. Raises UnknownEvent (a KeyError) for an event no app registered. The email goes
    into the outbox in the caller's transaction and a task sends it (healthstack.mail): a failing
    mail server delays it and never undoes or slows the caller's work.
    """
    spec = get_event(event)
    context = dict(context or {}, user=user, url=url, site_url=settings.SITE_URL)
    title = Template("{% autoescape off %}" + str(spec.title) + "{% endautoescape %}").render(Context(context))
    body = render_to_string(f"emails/{event}.txt", context).strip()
    notification = _store(user, event, title=title[:200], body=body, url=url, group=group, quiet=spec.quiet,
                           now=now)
    if notification.superseded_by_id is None:
        transaction.on_commit(lambda: _push(notification))
    if spec.email and user.email:
        html = render_to_string("emails/base.html", dict(context, title=title, body=body))
        _queue_email(user.email, title, body, html, attachments, context, about=event, now=now)
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
    _queue_email(address, subject, text, html, attachments, context, about=template)


def _queue_email(address, subject, text, html, attachments, context, *, about: str, now=None) -> None:
    footer = f"\n\n{settings.SITE_URL}{context['url']}" if context.get("url") else ""
    mail.queue_email(to=address, subject=subject, text=text + footer, html=html, attachments=attachments,
                     about=about, now=now)


def mark_read(user, notification_id: int | None = None, *, now: datetime | None = None) -> int:
    """Mark one (or all) of the user's notifications read; return how many changed."""
    qs = Notification.objects.for_user(user).unread()
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=now or timezone.now())
