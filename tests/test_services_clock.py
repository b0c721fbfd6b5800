"""Services that read the clock take ``now=``: what they stamp and decide follows the given instant."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.services import issue_api_token
from appointments.summaries import doctor_today, reception_today
from appointments.tests.factories import AppointmentFactory
from chat.services import mark_read as mark_messages_read
from chat.tests.factories import ConversationFactory, MessageFactory
from hospitals.services import HospitalError, accept_invitation, invite_staff, suspend_member
from hospitals.tests.factories import MembershipFactory
from notifications.models import Notification
from notifications.services import mark_read, notify
from records.services import issue_prescription
from records.tests.factories import PrescriptionFactory, PrescriptionItemFactory

pytestmark = pytest.mark.django_db

THEN = datetime(2026, 3, 5, 4, 30, tzinfo=UTC)


def test_invitation_expires_counted_from_now_and_is_refused_after(settings, hospital, hospital_admin):
    invitation = invite_staff(hospital=hospital, email="new@example.test", full_name="Nadia Rahman",
                              role="receptionist", by=hospital_admin, now=THEN)

    assert invitation.expires_at == THEN + timedelta(days=settings.INVITATION_VALID_DAYS)
    with pytest.raises(HospitalError, match="no longer valid"):
        accept_invitation(token=invitation.token, password="A-long-pass-2026", now=invitation.expires_at)
    membership = accept_invitation(token=invitation.token, password="A-long-pass-2026", now=THEN)
    invitation.refresh_from_db()
    assert membership.decided_at == THEN and invitation.accepted_at == THEN


def test_suspension_is_stamped_at_now(hospital, hospital_admin, receptionist):
    membership = receptionist.memberships.get(hospital=hospital)

    assert suspend_member(membership=membership, by=hospital_admin, now=THEN).decided_at == THEN


def test_prescription_issued_at_now(doctor_membership, patient):
    draft = PrescriptionFactory(membership=doctor_membership, patient=patient)
    PrescriptionItemFactory(prescription=draft)

    assert issue_prescription(prescription=draft, by=doctor_membership.user, now=THEN).issued_at == THEN


def test_notifications_and_messages_read_at_now(patient, doctor):
    notify(patient, "staff_restored", {"hospital_name": "Green Life Hospital"})
    conversation = ConversationFactory(patient=patient, doctor=doctor)
    MessageFactory(conversation=conversation, sender=doctor)

    mark_read(patient, now=THEN)
    mark_messages_read(conversation=conversation, reader=patient, now=THEN)

    assert list(Notification.objects.values_list("read_at", flat=True)) == [THEN]
    assert list(conversation.messages.values_list("read_at", flat=True)) == [THEN]


def test_api_token_expiry_counted_from_now(patient):
    token, _ = issue_api_token(user=patient, now=THEN)

    assert THEN < token.expiry < THEN + timedelta(days=400)


def test_todays_queue_figures_are_for_the_day_of_now_in_the_hospitals_zone(doctor_membership, hospital):
    just_after_dhaka_midnight = datetime(2026, 3, 5, 18, 1, tzinfo=UTC)  # Friday 6 March, 00:01 in Dhaka
    AppointmentFactory(membership=doctor_membership, date=datetime(2026, 3, 6).date(), status="confirmed",
                       token_number=1)

    queue = doctor_today(doctor_membership, now=just_after_dhaka_midnight)
    desk = reception_today(hospital, now=just_after_dhaka_midnight)

    assert str(queue["today"]) == "2026-03-06" and queue["queue_length"] == 1
    assert desk["counts"]["expected"] == 1
