"""Payments finds the bookings it is paid for through the payable registry, never by importing appointments."""

from datetime import time

import pytest

from accounts.tests.factories import PatientFactory
from payments.payables import find_payable, payables_awaiting_payment


@pytest.mark.django_db
def test_payables_awaiting_payment_are_the_payers_own_unpaid_bookings(patient, make_appointment):
    unpaid = make_appointment(status="awaiting_payment", fee="500.00", start=time(9, 0))
    make_appointment(status="awaiting_payment", fee="0.00", start=time(9, 15))
    make_appointment(status="requested", fee="500.00", start=time(9, 30))
    make_appointment(status="awaiting_payment", fee="500.00", start=time(9, 45), patient=PatientFactory())

    assert [payable.pk for payable in payables_awaiting_payment(patient)] == [unpaid.pk]


@pytest.mark.django_db
def test_find_payable_returns_only_the_payers_own_booking(patient, make_appointment):
    booking = make_appointment(status="awaiting_payment", fee="500.00")

    assert find_payable("appointment", booking.pk, patient) == booking
    assert find_payable("appointment", booking.pk, PatientFactory()) is None
    assert find_payable("lab_order", booking.pk, patient) is None
