"""The contract every payable keeps, the same for each registered kind (appointment, lab order, medicine order).

Each kind is checked out through its own domain service; the payments are made on the local
sandbox over real HTTP, as the gateway would. A new payable kind joins ``payments.tests.kinds.KINDS``
and must pass all of these.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import AppointmentError
from labs.models import LabError
from payments import lifecycle, payables
from payments.models import Payment
from payments.tests.conftest import pay_twice, settle
from payments.tests.kinds import KINDS, PAID_STATUS, TOO_SMALL, cancel
from payments.tests.test_confirm import post, start
from pharmacy.models import PharmacyError

Status = Payment.Status
REFUSALS = (AppointmentError, LabError, PharmacyError)  # each domain's own error, carrying payments' message
pytestmark = pytest.mark.parametrize("kind", sorted(KINDS))


def test_every_registered_kind_is_covered(kind):
    assert sorted(payables._FINDERS) == sorted(KINDS)


@pytest.fixture
def make(patient, hospital, settings):
    """``make(kind, **price)``: an awaiting-payment payable of ``kind`` checked out now, its hold 15 minutes."""
    settings.PAYMENT_HOLD_MINUTES = 15

    def made(kind, **price):
        return KINDS[kind](patient, hospital, timezone.now(), **price)

    return made


@pytest.mark.django_db
def test_checkout_holds_it_for_the_one_setting(kind, patient, hospital, settings):
    settings.PAYMENT_HOLD_MINUTES = 25
    now = timezone.now().replace(microsecond=0)

    payable = KINDS[kind](patient, hospital, now)

    assert payable.status == "awaiting_payment" and payable.can_be_paid()
    assert payable.hold_expires_at == lifecycle.hold_expires_at(now) == now + timedelta(minutes=25)


@pytest.mark.django_db
def test_an_amount_under_the_gateways_smallest_payment_is_refused_at_checkout(kind, patient, hospital):
    with pytest.raises(REFUSALS, match="The smallest amount that can be paid online is BDT 10.00"):
        KINDS[kind](patient, hospital, timezone.now(), **TOO_SMALL[kind])
    assert not Payment.objects.exists()


def test_paying_inside_the_hold_confirms_it(kind, sandbox, make, patient):
    payable = make(kind)

    payment = start(payable, patient)
    assert post("ipn", settle(payment)).status_code == 200

    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payment.status == Status.PAID and payment.amount == payable.amount
    assert payable.status == PAID_STATUS[kind] and payable.hold_expires_at is None


def test_paying_twice_refunds_the_second_as_a_duplicate(kind, sandbox, make, patient, settings):
    payable = make(kind)

    first, second = pay_twice(payable, patient, settings)

    first.refresh_from_db()
    second.refresh_from_db()
    payable.refresh_from_db()
    assert first.status == Status.PAID and payable.status == PAID_STATUS[kind]
    assert (second.status, second.refunded_amount, second.duplicate_of) == (Status.REFUNDED, payable.amount, first)


def test_paying_after_the_hold_expired_is_refunded(kind, sandbox, make, patient):
    payable = make(kind)
    payment = start(payable, patient)

    assert lifecycle.expire_stale_holds(now=timezone.now() + timedelta(hours=1)) == 1
    assert post("ipn", settle(payment)).status_code == 200

    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payable.status == "expired"
    assert (payment.status, payment.refunded_amount) == (Status.REFUNDED, payable.amount)


def test_cancelling_after_paying_refunds_in_full(kind, sandbox, make, patient):
    payable = make(kind)
    payment = start(payable, patient)
    assert post("ipn", settle(payment)).status_code == 200
    payable.refresh_from_db()

    cancel(payable, patient)

    payment.refresh_from_db()
    payable.refresh_from_db()
    assert payable.status == "cancelled"
    assert (payment.status, payment.refunded_amount) == (Status.REFUNDED, payable.amount)
    assert payable.amount > Decimal("0.00")
