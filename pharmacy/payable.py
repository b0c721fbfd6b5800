"""A medicine order as a payments payable: amount, description and what happens when it is paid.

``MedicineOrder`` takes :class:`PayableMedicineOrder` as a mixin; the finder registered here
lets the Pay button find the signed-in patient's own order without payments importing us.
Status moves go through pharmacy.services, imported late (services imports models).
"""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.payables import PayableGone, register_payable


class PayableMedicineOrder:
    payable_kind = "medicine_order"

    @property
    def description(self) -> str:
        return _("Medicines from %(hospital)s, order %(number)s") % {"hospital": self.hospital.name,
                                                                      "number": self.number}

    def can_be_paid(self) -> bool:
        """Awaiting payment, with something to pay, and its stock hold still running."""
        return (self.status == "awaiting_payment" and self.amount > 0
                and (self.hold_expires_at is None or self.hold_expires_at > timezone.now()))

    def payment_return_url(self) -> str:
        """The patient's order page (built with the pharmacy pages), else their payments."""
        try:
            return reverse("pharmacy:order", args=[self.pk])
        except NoReverseMatch:
            return reverse("payments:mine")

    def on_payment_confirmed(self, payment) -> None:
        """awaiting_payment → paid; raise PayableGone (the payment is refunded) when that is no longer possible."""
        from .services import mark_order_paid
        from .models import PharmacyError

        try:
            mark_order_paid(order=self, by=payment.payer, reason=f"Paid, transaction {payment.tran_id}.")
        except PharmacyError as error:
            raise PayableGone(_("The medicine order could not be kept: %(error)s") % {"error": error}) from error

    def on_payment_failed(self, payment) -> None:
        """Nothing to undo: the order stays awaiting payment (its stock reserved) until its hold runs out."""

    def on_payment_held(self, payment) -> None:
        """A risky payment awaits the hospital's review: keep the stock reserved until they decide."""
        type(self).objects.filter(pk=self.pk, status="awaiting_payment").update(hold_expires_at=None)


def refund_order(order, *, reason: str, amount=None, by=None) -> None:
    """After the current transaction commits, refund ``order``: in full, or ``amount`` (its unfilled part).

    How (which payment, in full or in part, what a refused refund does) is payments' rule.
    """
    from payments.services import refund_payable

    refund_payable(payable=order, reason=reason, by=by, amount=amount)


def _patients_order(pk: int, payer):
    from .models import MedicineOrder

    return MedicineOrder.objects.for_patient(payer).with_people().filter(pk=pk).first()


def _patients_awaiting_payment(payer):
    from .models import MedicineOrder

    return MedicineOrder.objects.for_patient(payer).filter(status="awaiting_payment", amount__gt=0).with_people()


def _stale_holds(now):
    from .models import MedicineOrder

    return MedicineOrder.objects.stale_holds(now)


def _expire(order, now):
    from .services import expire_order

    return expire_order(order=order, now=now)


register_payable(PayableMedicineOrder.payable_kind, _patients_order, awaiting=_patients_awaiting_payment,
                 stale=_stale_holds, expire=_expire)
