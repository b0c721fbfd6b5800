"""Security headers and logs: HSTS with DEBUG off, CSP everywhere (admin too), quiet 403s."""

import logging
import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from tests.harness import REPO_ROOT


def _directive(csp: str, name: str) -> str:
    return next(part.strip() for part in csp.split(";") if part.strip().startswith(name + " "))


def test_csp_lets_websockets_reach_this_site_only(settings, db):
    settings.SITE_URL = "https://healthstack.example"

    csp = Client().get("/")["Content-Security-Policy"]

    assert _directive(csp, "connect-src") == "connect-src 'self' wss://healthstack.example"


def test_csp_on_a_plain_http_site_names_its_ws_origin(settings, db):
    settings.SITE_URL = "http://127.0.0.1:8000"

    csp = Client().get("/")["Content-Security-Policy"]

    assert _directive(csp, "connect-src") == "connect-src 'self' ws://127.0.0.1:8000"


@pytest.mark.django_db
def test_django_admin_pages_carry_a_strict_csp(client, settings):
    from accounts.tests.factories import UserFactory

    settings.CSP_FORM_ACTION_EXTRA = ["https://securepay.sslcommerz.com"]
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)

    for url in ("/admin/login/", "/admin/", "/admin/hospitals/hospital/", "/admin/hospitals/hospital/add/"):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert _directive(csp, "form-action") == "form-action 'self'"
        assert "frame-ancestors 'none'" in csp


def _settings_of_a_process(code: str, **values) -> str:
    own = ("DJANGO_", "SSLCOMMERZ_", "SECURE_", "HEALTHSTACK_", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG_TOOLBAR="0",
               DJANGO_SECRET_KEY="security-headers-secret-key-of-fifty-or-more-characters", **values)
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], cwd=REPO_ROOT,
                            env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_hsts_is_on_for_a_year_when_debug_is_off(tmp_path):
    served = _settings_of_a_process(
        "from django.test import Client\n"
        "print(Client().get('/healthz', secure=True).headers.get('Strict-Transport-Security'))",
        DJANGO_DEBUG="0", SSLCOMMERZ_MODE="live", DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert served == "max-age=31536000; includeSubDomains"

    assert _settings_of_a_process("from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)",
                                  DJANGO_DEBUG="1") == "0"
    assert _settings_of_a_process("from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)",
                                  DJANGO_DEBUG="0", SSLCOMMERZ_MODE="live", SECURE_HSTS_SECONDS="600") == "600"


@pytest.mark.django_db
def test_a_403_is_logged_on_one_line_without_a_traceback(client_for, hospital, receptionist, caplog):
    url = reverse("manage:staff", kwargs={"hospital_slug": hospital.slug})

    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for(receptionist).get(url).status_code == 403

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): {url}"
    assert record.exc_info is None
    assert "\n" not in logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
