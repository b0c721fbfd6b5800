"""What the browser enforces: the Content-Security-Policy on the site and in the Django admin."""

import re

from playwright.sync_api import expect

from accounts.tests.factories import PatientFactory, UserFactory
from hospitals.tests.factories import HospitalFactory
from tests.harness import BROWSER_TIMEOUT_MS

# Waits for what happens (the socket opens, or fails and the browser reports the violation), at most
# ``patience`` ms for each, never a fixed pause.
OPEN_SOCKET = """async ({url, patience}) => {
    const violations = [];
    let reported;
    const violation = new Promise((resolve) => { reported = resolve; });
    document.addEventListener("securitypolicyviolation", (e) => { violations.push(e.effectiveDirective); reported(); });
    const outcome = await new Promise((resolve) => {
        let socket;
        setTimeout(() => resolve("timeout"), patience);
        try { socket = new WebSocket(url); } catch (error) { resolve("refused"); return; }
        socket.onopen = () => { socket.close(); resolve("open"); };
        socket.onerror = () => resolve("error");
    });
    if (outcome !== "open") {
        await Promise.race([violation, new Promise((resolve) => setTimeout(resolve, patience))]);
    }
    return {outcome, violations};
}"""


def _open_socket(page, url):
    return page.evaluate(OPEN_SOCKET, {"url": url, "patience": BROWSER_TIMEOUT_MS})


def test_websockets_reach_this_site_and_no_other_host(new_context, live_server_url):
    page = new_context(user=PatientFactory()).new_page()
    page.goto("/me/")
    own = live_server_url.replace("http://", "ws://") + "/ws/notifications/"
    # Another loopback address: the browser must refuse before any packet leaves.
    other = re.sub(r"127\.0\.0\.1", "127.0.0.2", own)

    assert _open_socket(page, own) == {"outcome": "open", "violations": []}
    blocked = _open_socket(page, other)
    assert blocked["outcome"] != "open" and blocked["violations"] == ["connect-src"]


def test_websockets_by_another_name_of_this_site_are_allowed_by_self(new_context, live_server_url):
    # The page is served as localhost while SITE_URL names 127.0.0.1: only 'self' allows the socket.
    localhost = live_server_url.replace("127.0.0.1", "localhost")
    page = new_context(user=PatientFactory(), base_url=localhost).new_page()
    page.goto(localhost + "/me/")

    result = _open_socket(page, localhost.replace("http://", "ws://") + "/ws/notifications/")

    assert result["violations"] == []


def test_django_admin_works_under_its_csp(new_context):
    operator = UserFactory(is_staff=True, is_superuser=True)
    hospital = HospitalFactory(name="Green Life Hospital")
    page = new_context(user=operator).new_page()
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))

    for url in ("/admin/", "/admin/hospitals/hospital/", f"/admin/hospitals/hospital/{hospital.pk}/change/",
                "/admin/hospitals/department/add/"):
        response = page.goto(url)
        assert response.ok and "script-src 'self'" in response.headers["content-security-policy"], url
    # The admin's own scripts run: ticking "select all" updates the action counter.
    page.goto("/admin/hospitals/hospital/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_have_text(re.compile(r"^\s*1 of 1 selected"))

    assert violations == []
