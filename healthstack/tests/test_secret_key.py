"""A production process never signs sessions and tokens with the key everyone can read.

Settings are read in fresh Python processes, as Daphne and manage.py read them: the refusal
must happen at import time, before anything is served.
"""

import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.harness import REPO_ROOT

SETUP = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"


def _published_key() -> str:
    """The key .env.example hands to everyone who copies it."""
    text = (REPO_ROOT / ".env.example").read_text()
    return re.search(r"^DJANGO_SECRET_KEY=(.*)$", text, re.MULTILINE).group(1).strip()


def _load_settings(**values) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SSLCOMMERZ_", "HEALTHSTACK_"))}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG_TOOLBAR": "0",
           "SSLCOMMERZ_MODE": "live", "SSLCOMMERZ_STORE_ID": "greenlife0live",
           "SSLCOMMERZ_STORE_PASSWORD": "greenlife0live@ssl", **values}
    return subprocess.run([sys.executable, "-c", SETUP], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("key", [
    pytest.param(None, id="unset"),
    pytest.param("published", id="published"),
    pytest.param("", id="empty"),
    pytest.param("short-but-secret-0123456789", id="short"),
    pytest.param("ab" * 40, id="few-distinct-characters"),
    pytest.param("django-insecure-" + "x1y2z3" * 10, id="django-insecure"),
])
def test_settings_refuse_to_load_with_debug_off_and_a_weak_secret_key(key):
    values = {"DJANGO_DEBUG": "0"}
    if key is not None:
        values["DJANGO_SECRET_KEY"] = _published_key() if key == "published" else key

    result = _load_settings(**values)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_load_with_debug_off_and_a_long_random_secret_key():
    result = _load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))

    assert result.returncode == 0, result.stderr


def test_the_demo_with_debug_on_keeps_the_published_key():
    result = _load_settings(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=_published_key(), SSLCOMMERZ_MODE="local")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(len(_published_key()))
