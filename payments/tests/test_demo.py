import pytest

from hospitals.demo import seed
from payments.models import Payment

pytestmark = pytest.mark.django_db


def test_demo_pays_the_demo_patients_bookings_with_receipts_once(seeded_demo):
    paid = list(Payment.objects.filter(status="paid"))
    attempts = Payment.objects.count()  # paid ones, and an abandoned attempt that keeps one lab order unpaid
    seed()

    assert paid and Payment.objects.count() == attempts
    assert all(p.has_receipt and p.payable.status != "awaiting_payment" for p in paid)
