"""Demo data: the demo patients' bookings that await payment are paid, each with a receipt.

No gateway runs while seeding, so the payment is recorded through the same settling path a
validated gateway answer takes (status history, receipt code, the payable moves on), with a
transaction reference marked DEMO. Paying for real is left to the browser: book a visit as a
demo patient in ``make run`` and pay in the local sandbox. The payables waiting for payment
come from the payable registry; this module imports no domain app.
"""

import secrets

from hospitals.demo import DemoContext, patient_email

from .models import Payment, content_type_of
from .payables import payables_awaiting_payment
from .services import _new_tran_id, _settle


def seed_paid_bookings(ctx: DemoContext) -> None:
    """Pay (as if by card) every demo patient's booking that awaits payment; once."""
    patients = [user for n in range(1, 7) if (user := ctx.users.get(patient_email(n))) is not None]
    for patient in patients:
        for payable in payables_awaiting_payment(patient):
            pay_as_demo(ctx, patient, payable)


def pay_as_demo(ctx: DemoContext, patient, payable) -> None:
    """Pay ``payable`` as if by card, with a receipt, unless it has a payment attempt already.

    Later apps' demo steps call it for the payables they move past payment (they run after this app's)."""
    content_type = content_type_of(payable)
    if Payment.objects.filter(content_type=content_type, object_id=payable.pk).exists():
        return
    payment = Payment.objects.create(
        tran_id=_new_tran_id(), payer=patient, hospital_id=payable.hospital_id, amount=payable.amount,
        currency=payable.currency, description=payable.description, content_type=content_type,
        object_id=payable.pk, sessionkey="DEMO",
    )
    ctx.created[Payment.__name__] += 1
    answer = {"status": "VALID", "tran_id": payment.tran_id, "amount": f"{payment.amount:.2f}",
              "currency": payment.currency, "card_type": "VISA-Dutch Bangla",
              "bank_tran_id": "DEMO" + secrets.token_hex(6).upper(), "risk_level": "0"}
    _settle(payment, answer, val_id="DEMO" + secrets.token_hex(8).upper(), risk_level=0, source="demo")


def abandon_as_demo(ctx: DemoContext, patient, payable) -> None:
    """An attempt the payer opened and cancelled: ``payable`` stays awaiting payment, and
    ``seed_paid_bookings`` (which pays only payables without an attempt) leaves it so on later runs."""
    content_type = content_type_of(payable)
    if Payment.objects.filter(content_type=content_type, object_id=payable.pk).exists():
        return
    Payment.objects.create(
        tran_id=_new_tran_id(), payer=patient, hospital_id=payable.hospital_id, amount=payable.amount,
        currency=payable.currency, description=payable.description, content_type=content_type,
        object_id=payable.pk, sessionkey="DEMO", status=Payment.Status.CANCELLED,
    )
    ctx.created[Payment.__name__] += 1


STEPS = [seed_paid_bookings]
