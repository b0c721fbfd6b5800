"""`make run`: Daphne and the task consumer on any port, SITE_URL following it, Ctrl-C stopping both."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.harness import REPO_ROOT, _die_with_parent, free_port, log_in, require

DEMO_PASSWORD = "HealthStack-demo-2026"
MARKER = "HEALTHSTACK_RUN_TEST"


def _dotenv_sets(*names: str) -> list[str]:
    path = REPO_ROOT / ".env"
    text = path.read_text() if path.is_file() else ""
    return [name for name in names if re.search(rf"^\s*(export\s+)?{name}\s*=\s*\S", text, re.MULTILINE)]


def _processes_carrying(marker: str) -> list[str]:
    """Command lines of the running processes whose environment holds ``MARKER=marker``."""
    found = []
    needle = f"{MARKER}={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_make_run_serves_on_the_given_port_and_ctrl_c_stops_server_and_consumer(demo_files, tmp_path):
    require(shutil.which("make") is not None, "needs make")
    pinned = _dotenv_sets("SITE_URL", "DJANGO_DEBUG", "DJANGO_DEBUG_TOOLBAR", "PORT")
    require(not pinned, f".env sets {', '.join(pinned)}, which `make run` must then obey")
    demo = demo_files.copy_to(tmp_path / "demo")
    # The demo's addresses are made up: it leaves no email for the consumer to print.
    assert _outbox_size(demo.database) == 0
    port, marker = free_port(), uuid.uuid4().hex
    site = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "SITE_URL", "PORT", "REDIS_URL", "HUEY_", "MAKE", "TZ"))}
    # A machine whose clock is in UTC while the site's TIME_ZONE is Asia/Dhaka: six hours apart.
    env.update(demo.env(), EMAIL_URL="consolemail://", PYTHONUNBUFFERED="1", TZ="UTC", **{MARKER: marker})
    log_path = tmp_path / "make-run.log"
    with open(log_path, "wb") as log:
        # -o install: this checkout's virtualenv is in place; the test must not reinstall it.
        make = subprocess.Popen(
            ["make", "-o", "install", "run", f"PORT={port}"], cwd=REPO_ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent,
        )
    try:
        deadline = time.monotonic() + 60
        while not (_answers(site + "/healthz") and "Huey consumer started" in log_path.read_text(errors="replace")):
            assert make.poll() is None, f"make run exited {make.returncode}:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"make run did not serve within 60 s:\n{log_path.read_text()}"
            time.sleep(0.2)
        commands = " | ".join(_processes_carrying(marker))
        assert "daphne" in commands and "run_huey" in commands, commands

        home = urllib.request.urlopen(site + "/", timeout=10)
        policy = home.headers["Content-Security-Policy"]
        # The payment gateway (the local sandbox at SITE_URL) and live updates are on this port.
        assert f"form-action 'self' {site}" in policy and f"ws://127.0.0.1:{port}" in policy
        assert "djDebug" not in home.read().decode()

        try:
            urllib.request.urlopen(site + "/no-such-page/", timeout=10)
            raise AssertionError("an unknown URL answered 2xx")
        except urllib.error.HTTPError as missing:
            assert missing.code == 404
            assert "find that page" in missing.read().decode()

        # A prescription PDF carries its verification link: on this port, not 8000.
        patient = log_in(site, demo.patient_with_records(), DEMO_PASSWORD)
        records = patient.get(site + "/me/records/", timeout=10).text
        prescription = re.search(r'href="(/me/records/prescriptions/\d+/)"', records)
        assert prescription, records
        from io import BytesIO

        from pypdf import PdfReader

        pdf = PdfReader(BytesIO(patient.get(site + prescription.group(1) + "pdf/", timeout=30).content))
        text = "".join(page.extract_text() for page in pdf.pages)
        assert f"127.0.0.1:{port}/verify/" in text.replace("\n", ""), text

        assert {"task", "schedule", "kv"} <= _tables(demo.root / "tasks.sqlite3")

        # A newcomer signs up: their confirmation link is on the console, not lost among demo emails.
        _sign_up(site, "newcomer@example.test")
        deadline = time.monotonic() + 30
        while "newcomer@example.test" not in (output := log_path.read_text(errors="replace")):
            assert time.monotonic() < deadline, f"the sign-up email was not printed within 30 s:\n{output}"
            time.sleep(0.2)
        time.sleep(2)  # the rest of that email, and anything a consumer might still print
        output = log_path.read_text(errors="replace")
        assert re.search(rf"{re.escape(site)}/accounts/signup/confirm/\S+", output), output
        assert "Content-Transfer-Encoding: base64" not in output
        base64_lines = re.findall(r"\| [A-Za-z0-9+/]{60,}=*$", output, re.MULTILINE)
        assert base64_lines == [], "an attachment's base64 was printed"
        # Migrations, the logins table, the two processes starting, the requests above and the
        # newcomer's email: no demo email (24,000 lines of them once).
        assert len(output.splitlines()) < 200, output
        _assert_one_clock(output)
    finally:
        # Ctrl-C: the terminal sends SIGINT to make's whole foreground process group.
        os.killpg(make.pid, signal.SIGINT)
        try:
            make.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            raise
    deadline = time.monotonic() + 15
    while _processes_carrying(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_carrying(marker) == [], log_path.read_text()
    assert not _answers(site + "/healthz")


def _sign_up(site: str, email_address: str) -> None:
    import requests

    session = requests.Session()
    form = session.get(site + "/accounts/signup/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = session.post(site + "/accounts/signup/", timeout=20, allow_redirects=False, data={
        "csrfmiddlewaretoken": token, "full_name": "New Comer", "email": email_address,
        "password1": "a-Newcomer-pass-42", "password2": "a-Newcomer-pass-42",
    }, headers={"Referer": site + "/accounts/signup/"})
    assert answer.status_code == 302, answer.text


def _assert_one_clock(output: str) -> None:
    """honcho's prefix and the time of Django's log line after it read the same clock."""
    stamped = re.findall(r"^(\d\d):(\d\d):(\d\d) web\.1 +\| \d{4}-\d\d-\d\d (\d\d):(\d\d):(\d\d)\S* INFO ",
                         output, re.MULTILINE)
    assert stamped, output
    for hh, mm, ss, log_hh, log_mm, log_ss in stamped:
        prefix, logged = int(hh) * 3600 + int(mm) * 60 + int(ss), int(log_hh) * 3600 + int(log_mm) * 60 + int(log_ss)
        apart = abs(prefix - logged)
        assert min(apart, 86400 - apart) <= 2, f"honcho says {hh}:{mm}:{ss}, Django {log_hh}:{log_mm}:{log_ss}"


def _outbox_size(database: Path) -> int:
    import sqlite3

    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT COUNT(*) FROM healthstack_outgoingemail").fetchone()[0]
    finally:
        connection.close()


def _tables(path: Path) -> set[str]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()


def _setting(expression: str, **env) -> str:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print({expression})"],
        cwd=REPO_ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(("asked", "shown"), [(None, "False"), ("1", "True")])
def test_debug_toolbar_is_off_in_the_demo_unless_asked_for(asked, shown):
    require("DJANGO_DEBUG_TOOLBAR" not in _dotenv_sets("DJANGO_DEBUG_TOOLBAR"), ".env sets DJANGO_DEBUG_TOOLBAR")
    env = {"DJANGO_DEBUG": "1", **({"DJANGO_DEBUG_TOOLBAR": asked} if asked else {})}

    assert _setting("settings.DEBUG_TOOLBAR", **env) == shown


def test_the_console_email_backend_of_the_demo_summarises_attachments():
    console = _setting("settings.EMAIL_BACKEND", EMAIL_URL="consolemail://")
    smtp = _setting("settings.EMAIL_BACKEND", EMAIL_URL="smtp://mail.example:25")

    assert console == "healthstack.console_email.EmailBackend"
    assert smtp == "django.core.mail.backends.smtp.EmailBackend"
