"""Patient and hospital-admin payment pages: receipts, filters, day totals, CSV, access."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import PatientFactory
from healthstack.verification import issue_document_code
from hospitals.tests.factories import MembershipFactory
from payments.models import Payment, content_type_of
from payments.tests.conftest import settle
from payments.tests.test_confirm import post, start


def csv_text(response) -> str:
    """A download's whole text, streamed or not."""
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


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

    export = client.get(reverse("hospital_payments:export", args=[hospital.slug]), {"status": "paid"})
    lines = csv_text(export).splitlines()
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


@pytest.fixture
def paid_after_midnight_in_dhaka(payable, patient, hospital, settings):
    """Paid at 01:18 on 30 November in Dhaka (19:18 UTC on the 29th), on a server kept in UTC."""
    settings.TIME_ZONE = "UTC"
    paid_at = datetime(2026, 11, 29, 19, 18, tzinfo=UTC)
    with time_machine.travel(paid_at - timedelta(minutes=2), tick=False):
        payment = Payment.objects.create(
            tran_id="HSMIDNIGHT", payer=patient, hospital=hospital, amount=Decimal("500.00"), description="Visit",
            content_type=content_type_of(payable), object_id=payable.pk, status=Payment.Status.PAID,
            paid_at=paid_at, bank_tran_id="B1",
            receipt_code=issue_document_code(kind="receipt", hospital_name=hospital.name,
                                             patient_name=patient.full_name, issued_at=paid_at),
        )
    return payment


def test_receipt_is_named_and_dated_with_the_payment_day_at_the_hospital(paid_after_midnight_in_dhaka, patient,
                                                                        client_for):
    payment = paid_after_midnight_in_dhaka
    receipt = client_for(patient).get(reverse("payments:receipt", args=[payment.uuid]))
    assert 'filename="receipt-2026-11-30-HSMIDNIGHT.pdf"' in receipt["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt.content)).pages)
    assert "30 November 2026, 01:18" in text


def test_payments_csv_states_times_at_the_hospital(paid_after_midnight_in_dhaka, hospital, hospital_admin,
                                                   client_for):
    with time_machine.travel(datetime(2026, 11, 29, 19, 30, tzinfo=UTC), tick=False):
        export = client_for(hospital_admin).get(reverse("hospital_payments:export", args=[hospital.slug]))
    assert f'filename="payments-{hospital.slug}-2026-11-30.csv"' in export["Content-Disposition"]
    row = csv_text(export).splitlines()[1]
    assert row.startswith("2026-11-30 01:16,2026-11-30 01:18,HSMIDNIGHT")


def test_payments_csv_writes_every_text_cell_a_spreadsheet_would_run_as_text(payable, hospital, hospital_admin,
                                                                             client_for):
    payer = PatientFactory(full_name="=HYPERLINK(\"http://x.test\")", email="=1+2|cmd@example.test")
    hostile = {"tran_id": "-HS1+2", "description": "+SUM(1)", "currency": "@1+", "card_type": "\t=1+2",
               "bank_tran_id": "\r=cmd"}
    Payment.objects.create(payer=payer, hospital=hospital, amount=Decimal("500.00"), status=Payment.Status.PAID,
                           paid_at=timezone.now(), content_type=content_type_of(payable), object_id=payable.pk,
                           risk_level=0, **hostile)

    export = client_for(hospital_admin).get(reverse("hospital_payments:export", args=[hospital.slug]))

    header, row = csv.reader(io.StringIO(csv_text(export)))
    cells = dict(zip(header, row))
    sent = {"payer": payer.full_name, "payer_email": payer.email, "tran_id": hostile["tran_id"],
            "item": hostile["description"], "currency": hostile["currency"], "card_type": hostile["card_type"],
            "bank_tran_id": hostile["bank_tran_id"]}
    assert {column: cells[column] for column in sent} == {column: "'" + text for column, text in sent.items()}
    assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in row)
    assert (cells["amount"], cells["refunded"], cells["risk_level"]) == ("500.00", "0.00", "0")


def test_staff_pages_show_times_in_the_hospitals_zone(paid_after_midnight_in_dhaka, hospital, hospital_admin,
                                                      client_for):
    url = reverse("hospital_payments:detail", args=[hospital.slug, paid_after_midnight_in_dhaka.pk])
    assert "30 Nov 2026 01:18" in client_for(hospital_admin).get(url).content.decode()


def test_payments_desk_hides_abandoned_checkouts_unless_asked(payable, patient, hospital, hospital_admin,
                                                               client_for, settings):
    settings.PAYMENT_HOLD_MINUTES = 15

    def attempt(tran_id, minutes_ago):
        with time_machine.travel(timezone.now() - timedelta(minutes=minutes_ago)):
            return Payment.objects.create(tran_id=tran_id, payer=patient, hospital=hospital, amount=Decimal("500.00"),
                                          description="Visit", content_type=content_type_of(payable),
                                          object_id=payable.pk)

    attempt("HSABANDONED", 40), attempt("HSATCHECKOUT", 5)
    client = client_for(hospital_admin)
    url = reverse("hospital_payments:list", args=[hospital.slug])
    export = reverse("hospital_payments:export", args=[hospital.slug])

    for page in (client.get(url).content.decode(), csv_text(client.get(export)),
                 client.get(url, {"status": "initiated"}).content.decode()):
        assert "HSATCHECKOUT" in page and "HSABANDONED" not in page
    for page in (client.get(url, {"include_abandoned": "on"}).content.decode(),
                 csv_text(client.get(export, {"include_abandoned": "on"}))):
        assert "HSATCHECKOUT" in page and "HSABANDONED" in page
