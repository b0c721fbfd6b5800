"""The browser harness works: Chromium reaches the live Daphne server."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from playwright.sync_api import expect

from accounts.tests.factories import PatientFactory


def test_browser_sees_healthz_ok(page, live_server_url):
    response = page.goto(live_server_url + "/healthz")

    assert response.status == 200
    expect(page.locator("body")).to_contain_text('"status": "ok"')


def test_two_people_browse_at_once_one_signed_in(new_context):
    patient = PatientFactory(full_name="Mina Das")
    signed_in = new_context(user=patient).new_page()
    anonymous = new_context().new_page()

    signed_in.goto("/dashboard/")
    anonymous.goto("/dashboard/")

    assert "/accounts/login/" in anonymous.url
    assert "/accounts/login/" not in signed_in.url


def test_test_code_may_use_the_orm_and_async_to_sync_between_browser_calls(page, live_server_url):
    answered = []
    page.on("dialog", lambda dialog: (answered.append(len(page.context.cookies())), dialog.accept()))

    with page.expect_response("**/healthz") as response_info:
        page.goto("/healthz")
    page.evaluate("() => alert('hello')")

    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    async_to_sync(get_channel_layer().group_send)("harness-check", {"type": "noop"})
    assert PatientFactory().pk
    assert response_info.value.json()["status"] == "ok"
    assert answered == [0]
    expect(page.locator("body")).to_contain_text("ok")
