"""Sockets that tell appointment pages to refresh: reception board, doctor's queue, the patient's
appointment page and the public waiting-room screen.

Each checks access the way its page does (the staff pages through the tenancy guard itself)
and only ever sends ``update`` frames; the page then re-fetches its own HTML.
"""

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.http import Http404

from healthstack.consumers import LiveConsumer, Refused
from healthstack.realtime import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND
from hospitals.models import Membership
from hospitals.permissions import resolve_membership

from .models import Appointment
from .permissions import DESK
from .realtime import appointment_group, display_group, queue_group, reception_group
from .slots import local_now


def _guard(user, hospital_slug: str, roles) -> SimpleNamespace:
    """The staff pages' guard on a stand-in request: returns it with ``hospital`` and ``membership`` set."""
    request = SimpleNamespace(user=user, session={})
    try:
        resolve_membership(request, hospital_slug, roles)
    except Http404 as error:
        raise Refused(CLOSE_NOT_FOUND) from error
    except PermissionDenied as error:
        raise Refused(CLOSE_FORBIDDEN) from error
    return request


class ReceptionConsumer(LiveConsumer):
    """``/ws/manage/<hospital>/reception/``: receptionists and admins of that hospital."""

    def authorize(self, user) -> list[str]:
        request = _guard(user, self.scope["url_route"]["kwargs"]["hospital_slug"], DESK)
        return [reception_group(request.hospital.pk)]


class QueueConsumer(LiveConsumer):
    """``/ws/manage/<hospital>/queue/``: the doctor's own queue at that hospital."""

    def authorize(self, user) -> list[str]:
        request = _guard(user, self.scope["url_route"]["kwargs"]["hospital_slug"], (Membership.Role.DOCTOR,))
        return [queue_group(request.membership.pk)]


class AppointmentConsumer(LiveConsumer):
    """``/ws/appointments/<id>/``: the patient who owns the appointment (status, token, now serving)."""

    def authorize(self, user) -> list[str]:
        appointment = Appointment.objects.for_patient(user).filter(
            pk=self.scope["url_route"]["kwargs"]["appointment_id"]
        ).first()
        if appointment is None:
            raise Refused(CLOSE_NOT_FOUND)
        return [
            appointment_group(appointment.pk),
            display_group(appointment.membership_id, appointment.date),
        ]


class DisplayConsumer(LiveConsumer):
    """``/ws/display/<hospital>/<membership id>/``: the public waiting-room screen; read-only."""

    allow_anonymous = True

    def authorize(self, user) -> list[str]:
        kwargs = self.scope["url_route"]["kwargs"]
        membership = (
            Membership.objects.bookable().select_related("hospital")
            .filter(pk=kwargs["membership_id"], hospital__slug=kwargs["hospital_slug"]).first()
        )
        if membership is None:
            raise Refused(CLOSE_NOT_FOUND)
        return [display_group(membership.pk, local_now(membership.hospital).date())]
