"""Chat pages: the list, the room, history, posting over HTTP, attachments, starting from an appointment."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PatientFactory
from appointments.models import Appointment
from appointments.slots import local_now
from appointments.tests.factories import AppointmentFactory
from chat import services
from chat.models import Conversation, Message
from chat.tests.factories import ConversationFactory, MessageFactory
from chat.tests.test_services import png_upload
from chat.views import PAGE_MESSAGES
from hospitals.tests.factories import MembershipFactory


def _talking_pairs(doctor_membership, count):
    day = local_now(doctor_membership.hospital).date() + timedelta(days=Appointment.objects.count())
    conversations = []
    for _ in range(count):
        patient = PatientFactory()
        day += timedelta(days=1)
        AppointmentFactory(membership=doctor_membership, patient=patient, date=day)
        conversation = ConversationFactory(patient=patient, doctor=doctor_membership.user)
        services.post_message(conversation=conversation, sender=patient, body=f"Question from {patient.full_name}")
        conversations.append(conversation)
    return conversations


@pytest.mark.parametrize("name", ["list", "room", "history"])
def test_chat_pages_send_visitors_to_login(client, conversation, name):
    url = {"list": "/chat/", "room": f"/chat/{conversation.pk}/", "history": f"/chat/{conversation.pk}/messages/"}[name]
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/chat/{pk}/", "/chat/{pk}/messages/", "/chat/{pk}/attachments/{message}/"])
def test_someone_elses_conversation_is_a_404(client_for, conversation, url):
    message = services.post_message(conversation=conversation, sender=conversation.patient, attachment=png_upload())
    response = client_for(PatientFactory()).get(url.format(pk=conversation.pk, message=message.pk))
    assert response.status_code == 404


def test_posting_to_someone_elses_conversation_is_a_404_and_stores_nothing(client_for, conversation):
    response = client_for(PatientFactory()).post(f"/chat/{conversation.pk}/send/", {"body": "hi"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_list_shows_name_last_message_and_unread_count(client_for, conversation):
    MessageFactory(conversation=conversation, sender=conversation.doctor, body="First")
    services.post_message(conversation=conversation, sender=conversation.doctor, body="Take the tablets after food")
    response = client_for(conversation.patient).get("/chat/")
    html = response.content.decode()
    assert f"Dr. {conversation.doctor.full_name}" in html
    assert "Take the tablets after food" in html
    assert response.context["rows"][0]["conversation"].unread == 2
    doctor_view = client_for(conversation.doctor).get("/chat/")
    assert doctor_view.context["rows"][0]["conversation"].unread == 0
    assert "You: " in doctor_view.content.decode()


def test_list_query_count_does_not_grow_with_conversations(client_for, doctor_membership):
    _talking_pairs(doctor_membership, 2)
    client = client_for(doctor_membership.user)
    with CaptureQueriesContext(connection) as few:
        client.get("/chat/")
    _talking_pairs(doctor_membership, 8)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/chat/")
    assert len(response.context["rows"]) == 10
    assert len(many) == len(few) <= 15


def test_list_offers_doctors_the_patient_has_seen(client_for, care_appointment):
    response = client_for(care_appointment.patient).get("/chat/")
    assert [a.pk for a in response.context["doctors_to_message"]] == [care_appointment.pk]


def test_room_shows_the_newest_messages_as_text(client_for, conversation):
    for number in range(PAGE_MESSAGES + 5):
        MessageFactory(conversation=conversation, body=f"note {number}")
    MessageFactory(conversation=conversation, sender=conversation.doctor, body='<img src=x onerror="alert(1)">')
    response = client_for(conversation.patient).get(f"/chat/{conversation.pk}/")
    html = response.content.decode()
    assert len(response.context["chat_messages"]) == PAGE_MESSAGES
    assert response.context["has_older"] is True
    assert "note 4<" not in html and "note 54" in html
    assert '<img src=x onerror' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert f'data-socket-url="/ws/chat/{conversation.pk}/"' in html


def test_history_pages_backwards_and_catches_up_forwards(client_for, conversation):
    ids = [MessageFactory(conversation=conversation).pk for _ in range(PAGE_MESSAGES + 10)]
    client = client_for(conversation.doctor)
    older = client.get(f"/chat/{conversation.pk}/messages/", {"before": ids[-PAGE_MESSAGES]}).json()
    assert [m["id"] for m in older["messages"]] == ids[:10]
    assert older["has_more"] is False
    newer = client.get(f"/chat/{conversation.pk}/messages/", {"after": ids[-3]}).json()
    assert [m["id"] for m in newer["messages"]] == ids[-2:]
    assert client.get(f"/chat/{conversation.pk}/messages/", {"before": "junk"}).status_code == 200


def test_send_over_http_posts_text_and_redirects(client_for, conversation):
    response = client_for(conversation.patient).post(f"/chat/{conversation.pk}/send/", {"body": "Over plain HTTP"})
    assert response.status_code == 302 and response["Location"] == f"/chat/{conversation.pk}/"
    assert Message.objects.get().body == "Over plain HTTP"


def test_send_with_attachment_as_json_and_download_is_a_nosniff_attachment(client_for, conversation):
    client = client_for(conversation.patient)
    response = client.post(f"/chat/{conversation.pk}/send/", {"body": "", "attachment": png_upload("x-ray.png")},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    attachment = response.json()["message"]["attachment"]
    assert attachment["name"] == "x-ray.png" and attachment["is_image"] is True
    download = client_for(conversation.doctor).get(attachment["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")


def test_attachment_downloads_under_a_name_from_what_it_is(client_for, conversation):
    client = client_for(conversation.patient)
    response = client.post(f"/chat/{conversation.pk}/send/", {"attachment": png_upload("poly.html")},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    message = response.json()["message"]

    download = client_for(conversation.doctor).get(message["attachment"]["url"])

    assert download["Content-Disposition"] == f'attachment; filename="chat-attachment-{message["id"]}.png"'
    assert download["Content-Type"] == "image/png"


def test_send_refuses_a_file_that_is_not_what_it_claims(client_for, conversation):
    fake = SimpleUploadedFile("results.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client_for(conversation.patient).post(f"/chat/{conversation.pk}/send/", {"attachment": fake},
                                                     HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "not an accepted type" in response.json()["error"]
    assert not Message.objects.exists()


def test_read_endpoint_marks_the_other_persons_messages(client_for, conversation):
    MessageFactory(conversation=conversation, sender=conversation.doctor)
    response = client_for(conversation.patient).post(f"/chat/{conversation.pk}/read/", HTTP_ACCEPT="application/json")
    assert response.json() == {"read": 1}
    assert client_for(conversation.patient).get(f"/chat/{conversation.pk}/read/").status_code == 405


def test_start_from_an_appointment_asks_then_creates_once(client_for, care_appointment):
    client = client_for(care_appointment.membership.user)
    url = f"/chat/appointment/{care_appointment.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Start conversation" in page.content
    assert not Conversation.objects.exists()
    response = client.post(url)
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/chat/{conversation.pk}/"
    assert client_for(care_appointment.patient).get(url)["Location"] == f"/chat/{conversation.pk}/"


def test_start_from_someone_elses_appointment_is_a_404(client_for, care_appointment, hospital):
    other_doctor = MembershipFactory(hospital=hospital, role="doctor").user
    for outsider in (PatientFactory(), other_doctor):
        assert client_for(outsider).get(f"/chat/appointment/{care_appointment.pk}/").status_code == 404


def test_start_from_an_unpaid_booking_is_refused(client_for, patient, doctor_membership):
    unpaid = AppointmentFactory(membership=doctor_membership, patient=patient, status=Appointment.Status.AWAITING_PAYMENT,
                                date=local_now(doctor_membership.hospital).date() + timedelta(days=1))
    client = client_for(patient)
    assert b"Messaging opens once" in client.get(f"/chat/appointment/{unpaid.pk}/").content
    client.post(f"/chat/appointment/{unpaid.pk}/")
    assert not Conversation.objects.exists()


def test_doctor_opens_chat_with_their_patient_from_the_patient_page(client_for, care_appointment):
    doctor, patient = care_appointment.membership.user, care_appointment.patient
    client = client_for(doctor)
    assert b"Start conversation" in client.get(f"/chat/with/{patient.pk}/").content
    response = client.post(f"/chat/with/{patient.pk}/")
    conversation = Conversation.objects.get(patient=patient, doctor=doctor)
    assert response["Location"] == f"/chat/{conversation.pk}/"
    assert client_for(patient).get(f"/chat/with/{doctor.pk}/")["Location"] == f"/chat/{conversation.pk}/"


def test_chat_with_someone_without_care_is_a_404(client_for, care_appointment, receptionist):
    doctor = care_appointment.membership.user
    stranger = PatientFactory()
    assert client_for(doctor).get(f"/chat/with/{stranger.pk}/").status_code == 404
    assert client_for(stranger).post(f"/chat/with/{doctor.pk}/").status_code == 404
    assert client_for(receptionist).get(f"/chat/with/{care_appointment.patient.pk}/").status_code == 404
    assert client_for(care_appointment.patient).get(f"/chat/with/{receptionist.pk}/").status_code == 404
    assert not Conversation.objects.exists()
