"""An appointment as a payments payable: amount, description and what happens when it is paid.

``Appointment`` takes :class:`PayableAppointment` as a mixin; the finder registered here lets
the Pay button find the signed-in patient's own appointment without payments importing us.
Status moves still go through appointments.services, imported late (services imports models).
"""

from django.urls import reverse
from django.utils import timezone

from payments.payables import PayableGone, register_payable


class PayableAppointment:
    payable_kind = "appointment"

    @property
    def amount(self):
        return self.fee

    @property
    def description(self) -> str:
        doctor = self.membership.user.doctor_profile.display_name
        return f"Consultation with {doctor}, {self.date:%d %b %Y} {self.start_time:%H:%M}"

    def can_be_paid(self) -> bool:
        """Awaiting payment, with a fee, and its slot hold still running."""
        return (self.status == "awaiting_payment" and self.fee > 0
                and (self.hold_expires_at is None or self.hold_expires_at > timezone.now()))

    def payment_return_url(self) -> str:
        return reverse("appointments:detail", args=[self.pk])

    def on_payment_confirmed(self, payment) -> None:
        """awaiting_payment → requested; raise PayableGone (the payment is refunded) if that is no longer possible."""
        from .services import AppointmentError, request_appointment

        try:
            request_appointment(appointment=self, by=payment.payer, reason=f"Paid, transaction {payment.tran_id}.",
                                paid=True)
        except AppointmentError as error:
            raise PayableGone(f"The appointment could not be kept: {error}") from error

    def on_payment_failed(self, payment) -> None:
        """Nothing to undo: the appointment stays awaiting payment until its hold runs out."""

    def on_payment_held(self, payment) -> None:
        """A risky payment awaits the hospital's review: keep the slot held until they decide."""
        type(self).objects.filter(pk=self.pk, status="awaiting_payment").update(hold_expires_at=None)


def refund_appointment(appointment, *, reason: str, by=None) -> None:
    """After the current transaction commits, refund whatever was paid for ``appointment``."""
    from payments.services import refund_payable

    refund_payable(payable=appointment, reason=reason, by=by)


def _patients_appointment(pk: int, payer):
    from .models import Appointment

    return Appointment.objects.for_patient(payer).with_people().filter(pk=pk).first()


def _patients_awaiting_payment(payer):
    from .models import Appointment

    return Appointment.objects.for_patient(payer).filter(status="awaiting_payment", fee__gt=0).with_people()


def _stale_holds(now):
    from .models import Appointment

    return Appointment.objects.stale_holds(now)


def _expire(appointment, now):
    from .services import expire_appointment

    return expire_appointment(appointment=appointment)


register_payable(PayableAppointment.payable_kind, _patients_appointment, awaiting=_patients_awaiting_payment,
                 stale=_stale_holds, expire=_expire)
