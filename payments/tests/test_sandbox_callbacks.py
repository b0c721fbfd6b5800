"""The local sandbox calls back only this site's own payment callbacks, whatever a caller asks (real HTTP).

In local mode the store credentials are the published demo ones, so anyone who reaches the
session API could ask for any ``ipn_url``; the sandbox must never POST there. A listener on
another loopback port stands for an internal service that must not be reached.
"""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import requests
from django.conf import settings
from django.urls import reverse

from payments.gateway import gateway
from payments.models import Payment
from payments.sandbox.models import SandboxSession
from payments.tests.conftest import sandbox_session
from payments.tests.test_confirm import start
from payments.tests.test_gateway import session_body


@pytest.fixture
def listener():
    """An HTTP server on a free loopback port of its own that records every request it gets."""
    requests_seen = []

    class Recorder(BaseHTTPRequestHandler):
        def _record(self):
            length = int(self.headers.get("Content-Length") or 0)
            requests_seen.append((self.command, self.path, self.rfile.read(length)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        do_GET = do_POST = _record

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", requests=requests_seen)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def own(name: str) -> str:
    return settings.SITE_URL + reverse(f"payments:{name}")


def pay_on_checkout_page(server: str, session: SandboxSession) -> str:
    """The payer presses "Pay" on the sandbox's page (over HTTP); return the page that sends them back."""
    page = server + reverse("sandbox:checkout", args=[session.sessionkey])
    browser = requests.Session()
    form = browser.get(page, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    response = browser.post(page, data={"csrfmiddlewaretoken": token, "outcome": "pay",
                                        "card_type": "VISA-Dutch Bangla"}, headers={"Referer": page}, timeout=30)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("field", ["ipn_url", "success_url", "fail_url", "cancel_url"])
def test_session_api_refuses_a_callback_that_is_not_this_sites(field, sandbox, listener):
    body = session_body("T-SSRF-1")
    body[field] = listener.url + "/internal/admin"

    answer = gateway().createSession(body)  # the published demo credentials, as anyone could send them

    assert answer["status"] == "FAILED" and field in answer["failedreason"]
    assert answer["GatewayPageURL"] == ""
    assert not SandboxSession.objects.filter(tran_id="T-SSRF-1").exists()
    assert listener.requests == []


def test_paying_a_session_that_names_another_address_calls_back_only_this_site(sandbox, listener, payable,
                                                                                patient):
    payment = start(payable, patient)
    # A session stored with someone else's addresses (before the session API refused them).
    SandboxSession.objects.filter(tran_id=payment.tran_id).update(
        ipn_url=listener.url + "/internal/ipn", success_url=listener.url + "/internal/ok",
        fail_url=listener.url + "/internal/fail", cancel_url=listener.url + "/internal/cancel",
    )

    page = pay_on_checkout_page(sandbox, sandbox_session(payment))

    assert listener.requests == []
    assert f'action="{own("success")}"' in page and listener.url not in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID  # the signed notice reached this site's own IPN


def test_paying_on_the_checkout_page_confirms_through_this_sites_callbacks(sandbox, listener, payable, patient):
    payment = start(payable, patient)
    session = sandbox_session(payment)
    assert (session.ipn_url, session.success_url) == (own("ipn"), own("success"))

    page = pay_on_checkout_page(sandbox, session)

    assert f'action="{own("success")}"' in page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert listener.requests == []
