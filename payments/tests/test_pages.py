"""Patient and hospital-admin payment pages: receipts, filters, day totals, CSV, access."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import PatientFactory
from hospitals.tests.factories import MembershipFactory
from payments.tests.conftest import settle
from payments.tests.test_confirm import post, start


@pytest.fixture
def paid_payment(sandbox, payable, patient):
    payment = start(payable, patient)
    assert post("ipn", settle(payment)).status_code == 200
    payment.refresh_from_db()
    return payment


def test_patient_sees_payments_and_downloads_own_receipt_only(paid_payment, patient, client_for):
    client = client_for(patient)
    page = client.get(reverse("payments:mine"))
    assert page.status_code == 200 and paid_payment.tran_id in page.content.decode()

    receipt = client.get(reverse("payments:receipt", args=[paid_payment.uuid]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF") and "attachment" in receipt["Content-Disposition"]
    assert client_for(PatientFactory()).get(reverse("payments:receipt", args=[paid_payment.uuid])).status_code == 404


def test_admin_lists_filters_totals_and_exports(paid_payment, hospital, hospital_admin, client_for):
    client = client_for(hospital_admin)
    url = reverse("hospital_payments:list", args=[hospital.slug])

    page = client.get(url).content.decode()
    assert paid_payment.tran_id in page and "BDT 500.00" in page
    assert paid_payment.tran_id not in client.get(url, {"status": "refunded"}).content.decode()

    csv = client.get(reverse("hospital_payments:export", args=[hospital.slug]), {"status": "paid"})
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("created,paid,tran_id") and paid_payment.tran_id in lines[1] and len(lines) == 2

    detail = client.get(reverse("hospital_payments:detail", args=[hospital.slug, paid_payment.pk]))
    assert detail.status_code == 200
    response = client.post(reverse("hospital_payments:refund", args=[hospital.slug, paid_payment.pk]),
                           {"amount": "100.00", "reason": "Partly unused"})
    assert response.status_code == 302
    paid_payment.refresh_from_db()
    assert paid_payment.refunded_amount == Decimal("100.00")


def test_payments_desk_is_for_the_hospitals_admins_only(paid_payment, hospital, other_hospital, receptionist,
                                                         client_for):
    url = reverse("hospital_payments:detail", args=[hospital.slug, paid_payment.pk])
    assert client_for(receptionist).get(url).status_code == 403
    other_admin = MembershipFactory(hospital=other_hospital, role="admin").user
    assert client_for(other_admin).get(
        reverse("hospital_payments:detail", args=[other_hospital.slug, paid_payment.pk])).status_code == 404
