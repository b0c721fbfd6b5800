"""One notification per thing: news about the same appointment replaces the unread one; the badge counts things."""

from datetime import datetime, time

import pytest
from django.urls import reverse

from appointments import services as appointments
from appointments.tests.conftest import booking_day  # noqa: F401  (fixture)
from notifications.models import Notification
from notifications.services import notify
from payments import services as payments
from payments.tests.conftest import sandbox, settle  # noqa: F401  (fixture)
from payments.tests.test_confirm import post


def unread(user) -> list[str]:
    return list(Notification.objects.for_user(user).unread().values_list("event", flat=True))


def test_patients_booking_walk_leaves_one_unread_notification(sandbox, patient, doctor_membership,  # noqa: F811
                                                               booking_day, receptionist, client_for):  # noqa: F811
    """Book, pay, confirm, arrive, complete: one unread notification, the latest news, with the rest under it."""
    appointment = appointments.book_appointment(patient=patient, membership=doctor_membership, day=booking_day,
                                                start=time(9, 0), reason="Chest pain")
    payment, _ = payments.start_payment(payable=appointment, payer=patient)
    assert post("ipn", settle(payment)).status_code == 200
    assert unread(patient) == ["booking_received"]  # the receipt goes by email and files under the booking

    appointment.refresh_from_db()
    appointments.confirm_appointment(appointment=appointment, by=receptionist)
    morning = datetime.combine(booking_day, time(8, 50), tzinfo=doctor_membership.hospital.tz)
    appointments.mark_arrived(appointment=appointment, by=receptionist, now=morning)
    appointments.complete_appointment(appointment=appointment, by=doctor_membership.user)

    assert unread(patient) == ["appointment_confirmed"]
    page = client_for(patient).get(reverse("notifications:list"))
    assert page.context["nav_unread_count"] == 1
    assert [n.event for n in page.context["page_obj"]] == ["appointment_confirmed"]
    assert "3 earlier updates" in page.content.decode()
    assert unread(receptionist) == ["booking_new"] and unread(doctor_membership.user) == ["booking_new"]


@pytest.mark.django_db
def test_news_about_the_same_thing_replaces_the_unread_notification(patient):
    first = notify(patient, "staff_restored", {"hospital_name": "Green Life"}, group="appointment:7")
    latest = notify(patient, "staff_suspended", {"hospital_name": "Green Life"}, group="appointment:7")
    elsewhere = notify(patient, "staff_restored", {"hospital_name": "Green Life"}, group="appointment:8")

    first.refresh_from_db()
    assert first.superseded_by == latest and first.read_at is not None
    assert list(Notification.objects.for_user(patient).unread()) == [elsewhere, latest]


@pytest.mark.django_db
def test_quiet_news_files_under_unread_news_but_stands_alone_once_that_is_read(patient):
    prescription = notify(patient, "prescription_issued", {"doctor_name": "Dr. Kamal"}, group="appointment:7")
    completed = notify(patient, "appointment_completed", {"doctor_name": "Dr. Kamal"}, group="appointment:7")
    assert completed.superseded_by == prescription and completed.read_at is not None
    assert list(Notification.objects.unread()) == [prescription]

    Notification.objects.update(read_at=prescription.created_at)
    refund = notify(patient, "payment_refunded", {"refund_amount": "BDT 500.00"}, group="appointment:7")
    assert refund.superseded_by is None and list(Notification.objects.unread()) == [refund]


@pytest.mark.django_db
def test_mark_all_read_button_empties_the_badge(client_for, patient):
    for number in range(3):
        notify(patient, "staff_restored", {"hospital_name": "X"}, group=f"appointment:{number}")
    client = client_for(patient)
    page = client.get(reverse("notifications:list")).content.decode()
    assert f'action="{reverse("notifications:read-all")}"' in page and "Mark all read" in page

    done = client.post(reverse("notifications:read-all"), follow=True)
    assert "3 notifications marked as read." in done.content.decode()
    assert done.context["nav_unread_count"] == 0


@pytest.mark.django_db
def test_phone_shows_the_unread_count_beside_the_menu_toggler(client_for, patient):
    notify(patient, "staff_restored", {"hospital_name": "X"})
    html = client_for(patient).get(reverse("notifications:list")).content.decode()
    bell = html.index('data-testid="phone-bell"')
    assert bell < html.index('class="navbar-toggler"') < html.index('id="main-nav"')
    phone_bell = html[html.rindex("<a ", 0, bell):html.index("</a>", bell)]
    assert "d-lg-none" in phone_bell and "data-unread-badge>1<" in phone_bell
