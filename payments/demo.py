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
            _pay(ctx, patient, payable)


def _pay(ctx: DemoContext, patient, payable) -> None:
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


STEPS = [seed_paid_bookings]
