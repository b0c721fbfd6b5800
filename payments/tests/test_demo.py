import pytest

from hospitals.demo import seed
from payments.models import Payment

pytestmark = pytest.mark.django_db


def test_demo_pays_the_demo_patients_bookings_with_receipts_once(seeded_demo):
    paid = list(Payment.objects.filter(status="paid"))
    attempts = Payment.objects.count()  # paid, and attempts a demo left waiting (an unpaid lab and medicine order)
    seed()

    assert paid and Payment.objects.count() == attempts and Payment.objects.filter(status="paid").count() == len(paid)
    assert all(p.has_receipt and p.payable.status != "awaiting_payment" for p in paid)
