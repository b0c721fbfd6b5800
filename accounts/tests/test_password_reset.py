"""Asking for a password reset tells nobody but the mailbox owner whether the address has an account."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services, tasks
from accounts.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_the_request_does_the_same_work_for_a_known_and_an_unknown_address(client, monkeypatch):
    PatientFactory(email="known@example.test")
    queued = []
    monkeypatch.setattr(tasks, "password_reset_task", queued.append, raising=False)
    assert 'name="email"' in client.get(reverse("accounts:password-reset")).content.decode()
    answers = []
    for email in ("Known@Example.test ", "nobody@example.test"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("accounts:password-reset"), {"email": email})
        answers.append((response.status_code, response["Location"], [q["sql"] for q in queries.captured_queries]))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, reverse("accounts:password-reset-done"))
    # The account is looked up, and the link made and emailed, by the task, away from the request.
    assert queued == ["known@example.test", "nobody@example.test"]


def test_the_task_emails_a_link_only_to_an_active_account(django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://healthstack.example"
    PatientFactory(email="known@example.test")
    PatientFactory(email="asleep@example.test", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_password_reset(email="known@example.test") == 1
        assert services.send_password_reset(email="nobody@example.test") == 0
        assert services.send_password_reset(email="asleep@example.test") == 0
    assert [m.to for m in mail.outbox] == [["known@example.test"]]
    # The link is built on SITE_URL, never on the Host header of whoever asked.
    assert re.search(r"https://healthstack\.example/accounts/password/reset/\S+/\S+/", mail.outbox[0].body)
