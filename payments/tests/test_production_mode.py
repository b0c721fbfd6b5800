"""A production process never serves the no-money sandbox by accident.

Settings are read in fresh Python processes: the refusal must happen at import time, so
Daphne, manage.py and anything else that loads the settings stops before it serves a page.
"""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from tests.harness import REPO_ROOT, free_port

SETUP = "import django; django.setup(); from django.conf import settings; print(settings.SSLCOMMERZ_MODE)"
OWN_PREFIXES = ("DJANGO_", "SSLCOMMERZ_", "SECURE_", "HEALTHSTACK_", "SESSION_", "CSRF_", "SITE_URL",
                "BEHIND_TLS_PROXY", "MAX_REQUEST_BODY_MB")


def _environment(**values) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}
    return {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG_TOOLBAR": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **values}


def _run(args, **values) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO_ROOT, env=_environment(**values), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def _production_environment(**overrides) -> dict:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "healthstack.example",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://healthstack.example",
        "SITE_URL": "https://healthstack.example",
        "BEHIND_TLS_PROXY": "1",
        "SECURE_SSL_REDIRECT": "1",
        "SSLCOMMERZ_MODE": "live",
        "SSLCOMMERZ_STORE_ID": "greenlife0live",
        "SSLCOMMERZ_STORE_PASSWORD": "greenlife0live@ssl",
        **overrides,
    }


def test_settings_refuse_to_load_with_debug_off_and_no_payment_mode():
    result = _run([sys.executable, "-c", SETUP], DJANGO_DEBUG="0")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SSLCOMMERZ_MODE is not set" in result.stderr


def test_daphne_refuses_to_start_with_debug_off_and_no_payment_mode():
    result = _run([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(free_port()),
                   "config.asgi:application"], **_production_environment(SSLCOMMERZ_MODE=""))

    assert result.returncode != 0
    assert "SSLCOMMERZ_MODE" in result.stderr


def test_local_sandbox_with_debug_off_needs_the_demo_opt_in():
    refused = _run([sys.executable, "-c", SETUP], DJANGO_DEBUG="0", SSLCOMMERZ_MODE="local")
    assert refused.returncode != 0
    assert "HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION" in refused.stderr

    demo = _run([sys.executable, "-c", SETUP], DJANGO_DEBUG="0", SSLCOMMERZ_MODE="local",
                HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION="1")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip().splitlines()[-1] == "local"


def test_debug_on_without_a_mode_is_the_local_sandbox():
    result = _run([sys.executable, "-c", SETUP], DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "local"


def test_check_deploy_reports_the_local_sandbox_as_an_error(settings):
    settings.SSLCOMMERZ_MODE = "local"

    with pytest.raises(SystemCheckError, match="payments.E004"):
        call_command("check", deploy=True)


def test_production_environment_passes_check_deploy_cleanly():
    result = _run([sys.executable, "manage.py", "check", "--deploy"], **_production_environment())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "identified no issues" in result.stdout, result.stdout + result.stderr


def test_demo_server_fails_check_deploy_even_when_opted_in():
    result = _run([sys.executable, "manage.py", "check", "--deploy"],
                  **_production_environment(SSLCOMMERZ_MODE="local", HEALTHSTACK_DEMO_PAYMENTS_IN_PRODUCTION="1"))

    assert result.returncode != 0
    assert "payments.E004" in result.stderr


@pytest.mark.django_db
def test_every_page_shows_the_demo_payments_banner_in_local_mode(settings, client, client_for, patient):
    settings.SSLCOMMERZ_MODE = "local"
    for page in (client.get("/"), client.get("/accounts/login/"), client_for(patient).get("/me/")):
        assert page.status_code == 200
        assert "Demo payments: no real money is taken." in page.content.decode()

    settings.SSLCOMMERZ_MODE = "live"
    assert "Demo payments" not in client.get("/").content.decode()
