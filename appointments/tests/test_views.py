from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import PatientFactory
from appointments import services
from appointments.models import Appointment, DayOff, QueueState, ScheduleRule
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory
from hospitals.tests.factories import MembershipFactory
from payments.models import Payment
from payments.tests.conftest import sandbox  # noqa: F401  (the gateway pointed at the live sandbox)

Status = Appointment.Status
pytestmark = pytest.mark.django_db


# The URL matrix ---------------------------------------------------------------------------

MANAGE_PAGES = {
    "desk:schedule": {"doctor", "admin"},
    "desk:reception": {"receptionist", "admin"},
    "desk:queue": {"doctor"},
}
ROLES = ["doctor", "admin", "receptionist", "lab_worker", "pharmacist"]


@pytest.mark.parametrize("name", MANAGE_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_manage_page_access_by_role(name, role, client_for, hospital):
    user = MembershipFactory(hospital=hospital, role=role).user
    expected = 200 if role in MANAGE_PAGES[name] else 403
    assert client_for(user).get(reverse(name, args=[hospital.slug])).status_code == expected


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_manage_page_refuses_outsiders(name, client, client_for, hospital, other_hospital, patient):
    url = reverse(name, args=[hospital.slug])

    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client_for(patient).get(url).status_code == 404
    outsider = MembershipFactory(hospital=other_hospital, role=next(iter(MANAGE_PAGES[name]))).user
    assert client_for(outsider).get(url).status_code == 404


ACTIONS = {"desk:confirm": {"receptionist", "admin", "doctor"}, "desk:reject": {"receptionist", "admin", "doctor"},
           "desk:arrived": {"receptionist", "admin", "doctor"}, "desk:no-show": {"receptionist", "admin", "doctor"},
           "desk:complete": {"doctor"}}


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_appointment_action_access_by_role(name, role, client_for, hospital, make_appointment, doctor_membership):
    user = doctor_membership.user if role == "doctor" else MembershipFactory(hospital=hospital, role=role).user
    url = reverse(name, args=[hospital.slug, make_appointment().pk])
    assert client_for(user).post(url, {"reason": "x"}).status_code == (302 if role in ACTIONS[name] else 403)


def test_another_hospitals_appointment_is_404(client_for, receptionist, other_hospital):
    elsewhere = AppointmentFactory(membership=MembershipFactory(hospital=other_hospital),
                                   date=local_now(other_hospital).date() + timedelta(days=2))
    url = reverse("desk:confirm", args=[receptionist.memberships.get().hospital.slug, elsewhere.pk])
    assert client_for(receptionist).post(url).status_code == 404
    assert Appointment.objects.get(pk=elsewhere.pk).status == Status.REQUESTED


def test_a_doctor_cannot_act_on_another_doctors_appointment(client_for, hospital, make_appointment, doctor):
    colleague = MembershipFactory(hospital=hospital)
    theirs = make_appointment(membership=colleague)
    assert client_for(doctor).post(reverse("desk:confirm", args=[hospital.slug, theirs.pk])).status_code == 404


# Reception and queue ------------------------------------------------------------------------

def test_reception_confirm_shows_the_token(client_for, receptionist, hospital, make_appointment, booking_day):
    appointment = make_appointment()
    client = client_for(receptionist)
    board = f"{reverse('desk:reception', args=[hospital.slug])}?date={booking_day:%Y-%m-%d}"

    response = client.post(reverse("desk:confirm", args=[hospital.slug, appointment.pk]), {"next": board}, follow=True)

    assert response.redirect_chain[-1][0] == board
    assert "token 1" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED and appointment.token_number == 1


def test_reception_reject_requires_a_reason(client_for, receptionist, hospital, make_appointment):
    appointment = make_appointment()
    url = reverse("desk:reject", args=[hospital.slug, appointment.pk])

    response = client_for(receptionist).post(url, {"reason": ""}, follow=True)
    assert "Give the patient a reason." in response.content.decode()
    client_for(receptionist).post(url, {"reason": "Doctor on leave"})
    appointment.refresh_from_db()
    assert appointment.status == Status.REJECTED and appointment.status_reason == "Doctor on leave"


def test_confirming_a_cancelled_appointment_is_a_message_not_a_500(client_for, receptionist, hospital, make_appointment):
    appointment = make_appointment(status=Status.CANCELLED)
    response = client_for(receptionist).post(reverse("desk:confirm", args=[hospital.slug, appointment.pk]), follow=True)
    assert response.status_code == 200
    assert "This appointment is cancelled; it cannot be confirmed." in response.content.decode()


def test_back_link_outside_the_hospital_is_ignored(client_for, receptionist, hospital, make_appointment):
    url = reverse("desk:arrived", args=[hospital.slug, make_appointment().pk])
    response = client_for(receptionist).post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("desk:reception", args=[hospital.slug])


def test_reception_day_view_lists_patient_details_by_doctor(client_for, receptionist, hospital, make_appointment,
                                                            booking_day):
    make_appointment(reason="Chest pain on climbing stairs")
    response = client_for(receptionist).get(reverse("desk:reception", args=[hospital.slug]),
                                            {"date": booking_day.isoformat()})
    page = response.content.decode()
    assert "Ayesha Rahman" in page and "Chest pain" in page and "Kamal Hossain" in page
    assert response.context["weeks"]


def test_reception_bad_date_falls_back_to_today(client_for, receptionist, hospital):
    response = client_for(receptionist).get(reverse("desk:reception", args=[hospital.slug]), {"date": "2030-02-31"})
    assert response.status_code == 200 and response.context["day"] == local_now(hospital).date()


def _today_appointments(doctor_membership, count):
    today = local_now(doctor_membership.hospital).date()
    for i in range(count):
        start = time(8 + i // 4, 15 * (i % 4))
        AppointmentFactory(membership=doctor_membership, date=today, start_time=start,
                           end_time=time(8 + (i + 1) // 4, 15 * ((i + 1) % 4)),
                           status=Status.CONFIRMED if i % 2 else Status.REQUESTED, token_number=i + 1)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name, role", [("desk:reception", "receptionist"), ("desk:queue", "doctor")])
def test_board_query_count_is_flat(name, role, client_for, hospital, doctor_membership):
    user = doctor_membership.user if role == "doctor" else MembershipFactory(hospital=hospital, role=role).user
    client = client_for(user)
    url = reverse(name, args=[hospital.slug])
    client.get(url)  # the first staff page starts the idle clock (a session write); count what follows
    _today_appointments(doctor_membership, 3)
    few = _queries(client, url)
    Appointment.objects.all().delete()
    _today_appointments(doctor_membership, 30)
    many = _queries(client, url)
    assert few == many
    assert many <= 15


def test_queue_call_next_and_complete(client_for, doctor, hospital, doctor_membership):
    _today_appointments(doctor_membership, 4)
    client = client_for(doctor)
    client.post(reverse("desk:call-next", args=[hospital.slug]))

    response = client.get(reverse("desk:queue", args=[hospital.slug]))
    assert response.context["now_serving"] == 2  # the first confirmed token
    first = Appointment.objects.get(token_number=2)
    client.post(reverse("desk:complete", args=[hospital.slug, first.pk]))
    assert Appointment.objects.get(pk=first.pk).status == Status.COMPLETED


def test_queue_call_next_with_nobody_waiting_is_a_message(client_for, doctor, hospital):
    response = client_for(doctor).post(reverse("desk:call-next", args=[hospital.slug]), follow=True)
    assert "Nobody with a later token is waiting." in response.content.decode()


# Schedule page --------------------------------------------------------------------------------

def _rule_post(doctor_id=None, **overrides):
    data = {"rule-weekday": 6, "rule-start_time": "09:00", "rule-end_time": "13:00", "rule-slot_minutes": 15,
            "add_rule": "1"}
    if doctor_id:
        data["doctor"] = doctor_id
    data.update(overrides)
    return data


def test_doctor_adds_hours_and_an_overlap_is_explained(client_for, doctor, hospital, doctor_membership):
    client = client_for(doctor)
    url = reverse("desk:schedule", args=[hospital.slug])

    assert client.post(url, _rule_post()).status_code == 302
    response = client.post(url, _rule_post(**{"rule-start_time": "12:00", "rule-end_time": "14:00"}))

    assert response.status_code == 200
    assert "These hours overlap Sunday 09:00–13:00" in response.content.decode()
    assert ScheduleRule.objects.get().membership == doctor_membership


def test_doctor_adds_and_removes_a_day_off(client_for, doctor, hospital, doctor_membership):
    client = client_for(doctor)
    day = local_now(hospital).date() + timedelta(days=5)
    client.post(reverse("desk:schedule", args=[hospital.slug]),
                {"off-date": day.isoformat(), "off-reason": "Conference", "add_day_off": "1"})
    day_off = DayOff.objects.get(membership=doctor_membership)

    client.post(reverse("desk:day-off-delete", args=[hospital.slug, day_off.pk]))
    assert not DayOff.objects.exists()


def test_admin_edits_any_doctors_schedule(client_for, hospital_admin, hospital, doctor_membership):
    client = client_for(hospital_admin)
    page = client.get(reverse("desk:schedule", args=[hospital.slug]), {"doctor": doctor_membership.pk})
    assert page.context["doctor_membership"] == doctor_membership

    client.post(reverse("desk:schedule", args=[hospital.slug]), _rule_post(doctor_membership.pk))
    assert ScheduleRule.objects.get().membership == doctor_membership


def test_doctor_cannot_touch_a_colleagues_schedule(client_for, doctor, hospital):
    colleague = MembershipFactory(hospital=hospital)
    rule = ScheduleRuleFactory(membership=colleague)
    client = client_for(doctor)

    assert client.get(reverse("desk:schedule", args=[hospital.slug]), {"doctor": colleague.pk}).status_code == 404
    assert client.post(reverse("desk:rule-delete", args=[hospital.slug, rule.pk])).status_code == 404
    assert ScheduleRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize("doctor_id", ["abc", "1.5", "-1", "\u00b2", "99999999999999999999999"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_schedule_with_a_malformed_doctor_id_is_not_found(client_for, hospital_admin, doctor, hospital, method,
                                                          doctor_id):
    url = reverse("desk:schedule", args=[hospital.slug])
    for user in (hospital_admin, doctor):
        client = client_for(user)
        data = {"doctor": doctor_id} if method == "get" else _rule_post(doctor_id)
        response = getattr(client, method)(url, data)
        assert response.status_code == 404
    assert not ScheduleRule.objects.exists()


def test_admin_cannot_pick_another_hospitals_doctor(client_for, hospital_admin, hospital, other_hospital):
    elsewhere = MembershipFactory(hospital=other_hospital)
    url = reverse("desk:schedule", args=[hospital.slug])
    assert client_for(hospital_admin).get(url, {"doctor": elsewhere.pk}).status_code == 404


# Booking pages ---------------------------------------------------------------------------------

def test_booking_page_shows_slots_fee_and_cutoff(client_for, patient, doctor, booking_day):
    response = client_for(patient).get(reverse("appointments:book", args=[doctor.doctor_profile.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["chosen_date"] == booking_day
    assert 'value="09:00"' in page and "BDT 500.00" in page and "Free until 2 hours before" in page


def test_booking_slots_partial_for_htmx(client_for, patient, doctor, doctor_membership, booking_day):
    url = reverse("appointments:book-slots", args=[doctor.doctor_profile.pk])
    response = client_for(patient).get(url, {"membership": doctor_membership.pk, "date": booking_day.isoformat()},
                                       HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<html" not in response.content and b'value="12:45"' in response.content


def test_booking_with_a_fee_goes_straight_to_the_payment_gateway(sandbox, client_for, patient, doctor,  # noqa: F811
                                                                  doctor_membership, booking_day):
    page = client_for(patient).get(reverse("appointments:book", args=[doctor.doctor_profile.pk]))
    assert "Request and pay BDT 500.00" in page.content.decode()

    response = client_for(patient).post(reverse("appointments:book", args=[doctor.doctor_profile.pk]), {
        "membership": doctor_membership.pk, "date": booking_day.isoformat(), "start": "09:30",
        "reason": "Headache for a week",
    })

    appointment = Appointment.objects.get()
    assert appointment.patient == patient and appointment.start_time == time(9, 30)
    assert appointment.status == Status.AWAITING_PAYMENT
    payment = Payment.objects.get()
    assert payment.payable == appointment
    assert response.status_code == 303
    assert response["Location"] == f"{sandbox}/sandbox/sslcommerz/checkout/{payment.sessionkey}/"


def test_free_booking_redirects_to_the_appointment(client_for, patient, doctor, doctor_membership, booking_day):
    doctor_membership.consultation_fee = 0
    doctor_membership.save()
    response = client_for(patient).post(reverse("appointments:book", args=[doctor.doctor_profile.pk]), {
        "membership": doctor_membership.pk, "date": booking_day.isoformat(), "start": "09:30",
        "reason": "Headache for a week",
    })
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("appointments:detail", args=[appointment.pk])
    assert appointment.status == Status.REQUESTED and not Payment.objects.exists()


def test_booking_a_just_taken_slot_shows_the_message_and_the_remaining_slots(
    client_for, patient, doctor, doctor_membership, booking_day
):
    services.book_appointment(patient=PatientFactory(), membership=doctor_membership, day=booking_day,
                              start=time(9, 30), reason="First")
    response = client_for(patient).post(reverse("appointments:book", args=[doctor.doctor_profile.pk]), {
        "membership": doctor_membership.pk, "date": booking_day.isoformat(), "start": "09:30", "reason": "Second",
    })
    page = response.content.decode()
    assert response.status_code == 200
    assert "This slot was just taken." in page
    assert 'value="09:30"' not in page and 'value="09:45"' in page
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("start, message", [("08:00", "not on the doctor&#x27;s schedule"), ("", "Choose a time.")])
def test_booking_bad_slot_is_a_form_error(start, message, client_for, patient, doctor, doctor_membership, booking_day):
    response = client_for(patient).post(reverse("appointments:book", args=[doctor.doctor_profile.pk]), {
        "membership": doctor_membership.pk, "date": booking_day.isoformat(), "start": start, "reason": "x",
    })
    assert response.status_code == 200 and message in response.content.decode()
    assert not Appointment.objects.exists()


def test_booking_another_doctors_membership_is_refused(client_for, patient, doctor, hospital, booking_day):
    stranger = MembershipFactory(hospital=hospital)
    ScheduleRuleFactory(membership=stranger, weekday=booking_day.weekday())
    response = client_for(patient).post(reverse("appointments:book", args=[doctor.doctor_profile.pk]), {
        "membership": stranger.pk, "date": booking_day.isoformat(), "start": "09:00", "reason": "x",
    })
    assert response.status_code == 200 and not Appointment.objects.exists()


def test_booking_by_a_staff_user_tells_them_to_sign_up_as_patient(client_for, receptionist, doctor):
    response = client_for(receptionist).get(reverse("appointments:book", args=[doctor.doctor_profile.pk]))
    assert response.status_code == 403 and "Sign up as a patient" in response.content.decode()


def test_booking_requires_login_and_a_bookable_doctor(client, client_for, patient, doctor, doctor_membership):
    url = reverse("appointments:book", args=[doctor.doctor_profile.pk])
    assert client.get(url)["Location"].startswith("/accounts/login/")
    doctor_membership.status = "suspended"
    doctor_membership.save()
    assert client_for(patient).get(url).status_code == 404


# Patient pages ------------------------------------------------------------------------------------

def test_my_appointments_upcoming_and_past(client_for, patient, make_appointment):
    upcoming = make_appointment()
    closed = make_appointment(status=Status.CANCELLED, start=time(10))
    client = client_for(patient)

    assert list(client.get(reverse("appointments:mine")).context["page_obj"]) == [upcoming]
    assert list(client.get(reverse("appointments:mine"), {"show": "past"}).context["page_obj"]) == [closed]


def test_someone_elses_appointment_is_404(client_for, make_appointment):
    appointment = make_appointment()
    stranger = client_for(PatientFactory())
    assert stranger.get(reverse("appointments:detail", args=[appointment.pk])).status_code == 404
    assert stranger.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": "x"}).status_code == 404
    assert Appointment.objects.get(pk=appointment.pk).status == Status.REQUESTED


def test_detail_shows_token_now_serving_and_wait(client_for, patient, doctor_membership):
    today = local_now(doctor_membership.hospital).date()
    for token in (1, 2, 3):
        AppointmentFactory(membership=doctor_membership, date=today, start_time=time(9 + token, 0),
                           end_time=time(9 + token, 15), status=Status.CONFIRMED, token_number=token,
                           patient=patient if token == 3 else PatientFactory())
    QueueState.objects.create(hospital=doctor_membership.hospital, membership=doctor_membership, date=today,
                              now_serving=1)
    mine = Appointment.objects.get(token_number=3)

    response = client_for(patient).get(reverse("appointments:detail", args=[mine.pk]))

    position = response.context["position"]
    assert (position.now_serving, position.tokens_ahead, position.minutes_wait) == (1, 2, 30)
    assert "2 patients ahead of you · about 30 minutes" in response.content.decode()


def _queue_of_three_today(doctor_membership, patient, *, serving):
    """Tokens 1–3 confirmed today with ``doctor_membership``; ``patient`` holds token 2."""
    today = local_now(doctor_membership.hospital).date()
    for token in (1, 2, 3):
        AppointmentFactory(membership=doctor_membership, date=today, start_time=time(9 + token, 0),
                           end_time=time(9 + token, 15), status=Status.CONFIRMED, token_number=token,
                           patient=patient if token == 2 else PatientFactory())
    if serving is not None:
        QueueState.objects.create(hospital=doctor_membership.hospital, membership=doctor_membership, date=today,
                                  now_serving=serving)
    return Appointment.objects.get(token_number=2)


def _queue_words(client, appointment) -> str:
    html = client.get(reverse("appointments:detail", args=[appointment.pk])).content.decode()
    return html.split('data-testid="queue-position">', 1)[1].split("</div>", 1)[0]


def test_next_patient_is_told_they_are_next_until_the_doctor_calls_their_token(client_for, patient, doctor,
                                                                                 doctor_membership):
    mine = _queue_of_three_today(doctor_membership, patient, serving=1)
    client = client_for(patient)
    words = _queue_words(client, mine)  # token 1 is with the doctor
    assert "You are next." in words and "About 15 minutes." in words and "your turn" not in words

    services.complete_appointment(appointment=Appointment.objects.get(token_number=1), by=doctor)
    words = _queue_words(client, mine)  # "now serving 1", token 1 done, token 2 not called yet
    assert "You are next." in words and "your turn" not in words

    services.call_next(membership=doctor_membership, by=doctor)
    words = _queue_words(client, mine)
    assert "It is your turn." in words and "You are next" not in words


def test_first_token_before_the_doctor_calls_anyone_is_next_not_their_turn(client_for, patient, doctor,
                                                                             doctor_membership):
    today = local_now(doctor_membership.hospital).date()
    mine = AppointmentFactory(membership=doctor_membership, patient=patient, date=today, status=Status.CONFIRMED,
                              token_number=1)
    client = client_for(patient)
    words = _queue_words(client, mine)
    assert "You are next." in words and "your turn" not in words
    services.call_next(membership=doctor_membership, by=doctor)
    assert "It is your turn." in _queue_words(client, mine)


def test_next_patient_is_notified_they_are_next_and_of_their_turn_only_when_called(patient, doctor,
                                                                                     doctor_membership):
    from notifications.models import Notification

    mine = _queue_of_three_today(doctor_membership, patient, serving=None)
    services.call_next(membership=doctor_membership, by=doctor)  # token 1
    assert list(Notification.objects.filter(user=patient).values_list("event", "title")) == [
        ("appointment_next", "You are next: token 2 with Dr. Kamal Hossain"),
    ]
    services.complete_appointment(appointment=Appointment.objects.get(token_number=1), by=doctor)
    assert not Notification.objects.filter(user=patient, event="appointment_called").exists()

    services.call_next(membership=doctor_membership, by=doctor)  # token 2
    called = Notification.objects.get(user=patient, event="appointment_called")
    assert "will see you now" in called.title and mine.token_number == 2


def test_patient_cancels_with_a_reason(client_for, patient, make_appointment):
    appointment = make_appointment()
    client = client_for(patient)

    response = client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": "Feeling better"})
    assert Appointment.objects.get(pk=appointment.pk).status == Status.CANCELLED


@time_machine.travel(datetime(2026, 12, 7, 4, 0, tzinfo=UTC), tick=False)  # 10:00 in Dhaka, whatever today is
def test_cancel_after_cutoff_is_a_message(client_for, patient, doctor_membership):
    hospital = doctor_membership.hospital
    soon = local_now(hospital) + timedelta(minutes=30)
    appointment = AppointmentFactory(membership=doctor_membership, patient=patient, date=soon.date(),
                                     start_time=soon.time().replace(second=0, microsecond=0),
                                     end_time=(soon + timedelta(minutes=15)).time().replace(second=0, microsecond=0))
    client = client_for(patient)
    assert client.get(reverse("appointments:detail", args=[appointment.pk])).context["can_cancel"] is False
    response = client.post(reverse("appointments:cancel", args=[appointment.pk]), {"reason": "Late"}, follow=True)
    assert "accepts cancellations until 2 hours before" in response.content.decode()


def test_review_after_completion_appears_on_the_doctor_profile(client_for, patient, doctor, make_appointment):
    appointment = make_appointment(status=Status.COMPLETED, token_number=1)
    client = client_for(patient)

    client.post(reverse("appointments:review", args=[appointment.pk]), {"rating": 5, "text": "Very thorough"})
    again = client.post(reverse("appointments:review", args=[appointment.pk]), {"rating": 1}, follow=True)

    assert "already reviewed" in again.content.decode()
    html = client.get(reverse("hospitals:doctor-detail", args=[doctor.doctor_profile.pk])).content.decode()
    assert "Very thorough" in html and "5.0" in html and "1 review" in html


def test_public_display_and_state(client, hospital, doctor_membership):
    today = local_now(hospital).date()
    QueueState.objects.create(hospital=hospital, membership=doctor_membership, date=today, now_serving=4)

    page = client.get(reverse("appointments:display", args=[hospital.slug, doctor_membership.pk]))
    state = client.get(reverse("appointments:display-state", args=[hospital.slug, doctor_membership.pk]))

    assert page.status_code == 200 and b'data-now-serving aria-live="polite">4<' in page.content
    assert b"<script>" not in page.content
    assert state.json() == {"now_serving": 4, "next_token": None, "date": today.isoformat()}
    assert client.get(reverse("appointments:display", args=["other", doctor_membership.pk])).status_code == 404


def test_public_display_shows_the_token_called_next_until_it_is_called(client, patient, doctor,
                                                                         doctor_membership):
    hospital = doctor_membership.hospital
    _queue_of_three_today(doctor_membership, patient, serving=1)
    services.complete_appointment(appointment=Appointment.objects.get(token_number=1), by=doctor)
    state_url = reverse("appointments:display-state", args=[hospital.slug, doctor_membership.pk])

    page = client.get(reverse("appointments:display", args=[hospital.slug, doctor_membership.pk])).content.decode()
    assert "You are next" in page and 'data-next-token aria-live="polite">2<' in page
    assert (client.get(state_url).json()["now_serving"], client.get(state_url).json()["next_token"]) == (1, 2)

    services.call_next(membership=doctor_membership, by=doctor)
    state = client.get(state_url).json()
    assert (state["now_serving"], state["next_token"]) == (2, 3)


def test_dashboard_cards_render(patient, receptionist, doctor_membership, make_appointment, hospital):
    from django.template.loader import render_to_string

    from appointments import panels

    make_appointment()
    html = render_to_string("appointments/partials/patient_next_appointment.html",
                            panels.patient_next_appointment(patient))
    people = dict(hospital=hospital, user=doctor_membership.user, memberships={"doctor": doctor_membership})
    html += render_to_string("appointments/partials/doctor_today.html", panels.doctor_today(**people))
    html += render_to_string("appointments/partials/reception_today.html", panels.reception_today(**people))
    assert "Kamal Hossain" in html and "Today's queue" in html and "Appointments today" in html


@pytest.mark.parametrize("role, card", [("doctor", "Today's queue"), ("receptionist", 'data-testid="desk-counts"'),
                                        ("admin", "Appointments today")])
def test_staff_dashboard_shows_the_role_card(role, card, client_for, hospital, doctor_membership):
    user = doctor_membership.user if role == "doctor" else MembershipFactory(hospital=hospital, role=role).user
    page = client_for(user).get(reverse("manage:dashboard", args=[hospital.slug]), follow=True).content.decode()
    assert card in page


def test_patient_home_and_doctor_profile_show_appointments_pieces(client_for, patient, doctor, make_appointment):
    make_appointment()
    assert "Next appointment" in client_for(patient).get(reverse("me:home")).content.decode()
    page = client_for(patient).get(reverse("hospitals:doctor-detail", args=[doctor.doctor_profile.pk])).content.decode()
    assert reverse("appointments:book", args=[doctor.doctor_profile.pk]) in page and "Patient reviews" in page


@pytest.fixture
def mixed_day(hospital, doctor_membership):
    """Today's bookings in every desk state, keyed by the state the board should file each under."""
    from django.utils import timezone

    today = local_now(hospital).date()
    rows = [("awaiting_payment", {"status": Status.AWAITING_PAYMENT,
                                  "hold_expires_at": timezone.now() + timedelta(minutes=10)}),
            ("to_confirm", {"status": Status.REQUESTED}), ("to_confirm", {"status": Status.REQUESTED}),
            ("expected", {"status": Status.CONFIRMED, "token_number": 1}),
            ("expected", {"status": Status.CONFIRMED, "token_number": 2}),
            ("arrived", {"status": Status.CONFIRMED, "token_number": 3, "arrived_at": timezone.now()}),
            ("completed", {"status": Status.COMPLETED, "token_number": 4, "arrived_at": timezone.now()}),
            ("no_show", {"status": Status.NO_SHOW, "token_number": 5}),
            ("closed", {"status": Status.REJECTED}), ("closed", {"status": Status.CANCELLED}),
            ("closed", {"status": Status.EXPIRED})]
    made = {}
    for minute, (state, fields) in enumerate(rows):
        start = time(9 + minute // 4, minute % 4 * 15)
        end = (datetime.combine(today, start) + timedelta(minutes=15)).time()
        appointment = AppointmentFactory(membership=doctor_membership, date=today, start_time=start, end_time=end,
                                         **fields)
        made.setdefault(state, set()).add(appointment.pk)
    return made


def _board_counts(html: str) -> dict[str, tuple[int, str]]:
    """Each desk count on a page: state -> (number shown, link)."""
    import re

    found = re.findall(r'href="([^"]+)"[^>]*data-state="(\w*)">\s*(?:<span[^>]*>(\d+)</span>|(\d+) )', html)
    return {state: (int(number or number_in_text), href.replace("&amp;", "&"))
            for href, state, number, number_in_text in found}


def test_reception_counts_add_up_and_each_lands_on_exactly_its_rows(mixed_day, receptionist, hospital, client_for):
    import re

    client = client_for(receptionist)
    counts = _board_counts(client.get(reverse("desk:reception", args=[hospital.slug])).content.decode())

    booked_states = ["awaiting_payment", "to_confirm", "expected", "arrived", "completed", "no_show"]
    assert {state: counts[state][0] for state in [*booked_states, "closed"]} == {
        state: len(mixed_day[state]) for state in [*booked_states, "closed"]}
    assert counts[""][0] == 8 == sum(counts[state][0] for state in booked_states)
    for state, (number, link) in counts.items():
        listed = {int(pk) for pk in re.findall(r'data-appointment="(\d+)"', client.get(link).content.decode())}
        expected = set().union(*mixed_day.values()) if state == "" else mixed_day[state]
        assert listed == expected, state
        assert state == "" or number == len(listed)


def test_dashboard_counts_use_the_same_states_and_links(mixed_day, hospital_admin, hospital, client_for):
    page = client_for(hospital_admin).get(reverse("manage:dashboard", args=[hospital.slug])).content.decode()
    counts = _board_counts(page)
    assert counts[""][0] == 8 and counts["to_confirm"][0] == 2 and counts["arrived"][0] == 1
    assert counts["closed"][0] == 3 and "state=arrived" in counts["arrived"][1]
