"""A lab order as a payments payable: amount fixed at checkout, description, and what happens when it is paid.

``LabOrder`` takes :class:`PayableLabOrder` as a mixin; the finders registered here let the
Pay button find the signed-in patient's own order without payments importing labs. Status
moves go through labs.services, imported late (services imports models, models imports this).
"""

from django.urls import reverse
from django.utils import timezone

from payments.payables import PayableGone, register_payable

from .links import PATIENT_ORDER, link


def order_url(order) -> str:
    """The patient's page of ``order``; their payments page until the labs pages exist."""
    return link(PATIENT_ORDER, order.pk) or reverse("payments:mine")


class PayableLabOrder:
    payable_kind = "lab_order"

    @property
    def description(self) -> str:
        names = ", ".join(line.lab_test.name for line in self.lines.all())
        return f"Lab tests at {self.hospital.name}: {names}"[:255]

    def can_be_paid(self) -> bool:
        """Awaiting payment, with an amount, and its hold still running."""
        return (self.status == "awaiting_payment" and self.amount > 0
                and (self.hold_expires_at is None or self.hold_expires_at > timezone.now()))

    def payment_return_url(self) -> str:
        return order_url(self)

    def on_payment_confirmed(self, payment) -> None:
        """awaiting_payment → paid; raise PayableGone (the payment is refunded) if it expired or was cancelled."""
        from .services import LabError, mark_order_paid

        try:
            mark_order_paid(order=self, by=payment.payer, reason=f"Paid, transaction {payment.tran_id}.")
        except LabError as error:
            raise PayableGone(f"The lab order could not be kept: {error}") from error

    def on_payment_failed(self, payment) -> None:
        """Nothing to undo: the order stays awaiting payment until its hold runs out."""

    def on_payment_held(self, payment) -> None:
        """A risky payment awaits the hospital's review: keep the order payable until they decide."""
        type(self).objects.filter(pk=self.pk, status="awaiting_payment").update(hold_expires_at=None)


def refund_lab_order(order, *, reason: str, by=None) -> None:
    """After the current transaction commits, refund whatever was paid for ``order``."""
    from payments.services import refund_payable

    refund_payable(payable=order, reason=reason, by=by)


def _patients_order(pk: int, payer):
    from .models import LabOrder

    return LabOrder.objects.for_patient(payer).with_people().filter(pk=pk).first()


def _patients_awaiting_payment(payer):
    from .models import LabOrder

    return (LabOrder.objects.for_patient(payer).filter(status="awaiting_payment", amount__gt=0)
            .with_people().with_lines())


def _stale_holds(now):
    from .models import LabOrder

    return LabOrder.objects.stale_holds(now)


def _expire(order, now):
    from .services import expire_order

    return expire_order(order=order, now=now)


def register() -> None:
    register_payable(PayableLabOrder.payable_kind, _patients_order, awaiting=_patients_awaiting_payment,
                     stale=_stale_holds, expire=_expire)
