import pytest
from django.core import mail
from django.urls import reverse

from healthstack.models import OutgoingEmail
from notifications.models import Notification
from notifications.services import notify


@pytest.mark.django_db
def test_notify_stores_and_emails_after_commit(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(patient, "doctor_application_rejected",
                              {"hospital_name": "Green & Life", "reason": "Missing <b>certificate</b>"}, url="/me/")
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert notification.title == "Your application to Green & Life was not accepted"
    assert "Missing <b>certificate</b>" in notification.body
    message = mail.outbox[0]
    assert message.to == [patient.email]
    assert "Missing <b>certificate</b>" in message.body
    html = message.alternatives[0][0]
    assert "Missing &lt;b&gt;certificate&lt;/b&gt;" in html


@pytest.mark.django_db
def test_a_refusing_mail_server_leaves_the_email_queued_with_the_reason(patient, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with django_capture_on_commit_callbacks(execute=True):
        notify(patient, "staff_restored", {"hospital_name": "Green Life"})
    assert Notification.objects.filter(user=patient).count() == 1
    email = OutgoingEmail.objects.get(to=patient.email)
    assert email.status == OutgoingEmail.Status.QUEUED and email.attempts == 1
    assert "Connection refused" in email.last_error or "Errno" in email.last_error
    assert [event.kind for event in email.events.all()] == ["queued", "attempt_failed"]


@pytest.mark.django_db
def test_unknown_event_is_refused(patient):
    with pytest.raises(KeyError):
        notify(patient, "no_such_event", {})


@pytest.mark.django_db
def test_notification_page_badge_and_open(client_for, patient, doctor):
    mine = notify(patient, "staff_restored", {"hospital_name": "Green Life"}, url="/me/")
    theirs = notify(doctor, "staff_restored", {"hospital_name": "Elsewhere"})
    client = client_for(patient)
    page = client.get(reverse("notifications:list"))
    assert page.context["nav_unread_count"] == 1
    assert "Green Life" in page.content.decode() and "Elsewhere" not in page.content.decode()

    assert client.get(reverse("notifications:open", args=[mine.pk])).status_code == 405
    opened = client.post(reverse("notifications:open", args=[mine.pk]))
    assert opened["Location"] == "/me/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404


@pytest.mark.django_db
def test_open_never_redirects_off_site(client_for, patient):
    notification = notify(patient, "staff_restored", {"hospital_name": "X"}, url="https://evil.example/")
    response = client_for(patient).post(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")


@pytest.mark.django_db
def test_mark_all_read(client_for, patient):
    for _ in range(3):
        notify(patient, "staff_restored", {"hospital_name": "X"})
    client_for(patient).post(reverse("notifications:read-all"))
    assert not Notification.objects.unread().exists()
