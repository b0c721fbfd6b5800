"""Every payment (and sandbox session) status pair; a payment's moves are logged as status events."""

from decimal import Decimal

import pytest

from healthstack.testing import check_transition, transition_matrix
from payments.models import Payment, PaymentEvent, content_type_of
from payments.sandbox.models import SandboxSession

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(Payment))
def test_payment_transition(from_status, to_status, allowed, payable, patient, hospital_admin):
    payment = Payment.objects.create(
        tran_id="HSMATRIX", payer=patient, hospital_id=payable.hospital_id, amount=Decimal("500.00"),
        description="Consultation", content_type=content_type_of(payable), object_id=payable.pk, status=from_status,
    )
    check_transition(payment, to_status, allowed, by=hospital_admin,
                     history=lambda row: row.events.filter(kind=PaymentEvent.Kind.STATUS))


@pytest.mark.parametrize(("from_status", "to_status", "allowed"), transition_matrix(SandboxSession))
def test_sandbox_session_transition(from_status, to_status, allowed):
    session = SandboxSession.objects.create(
        sessionkey="matrix", store_id="store", tran_id="HSMATRIX", amount=Decimal("500.00"), currency="BDT",
        success_url="http://testserver/s", fail_url="http://testserver/f", cancel_url="http://testserver/c",
        status=from_status,
    )
    check_transition(session, to_status, allowed)
