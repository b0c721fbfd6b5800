"""The test harness's moving parts: a live Daphne server, mail it sent, CI-aware skips.

The fixtures that use these live in the root ``conftest.py``.
"""

import asyncio
import email
import email.policy
import functools
import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import greenlet
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# How long a browser journey waits for what a person would see (an element, a message, a page) before
# failing: generous, since two cores shared by parallel runs can stall a page for seconds. Set once
# on every context and on expect(); journeys never pass their own timeout nor pause for a fixed time.
BROWSER_TIMEOUT_MS = 30_000
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
SERVER_START_SECONDS = 40


def require(condition: bool, reason: str) -> None:
    """Skip the current test when ``condition`` is false; under CI=true fail instead.

    In CI nothing may be skipped: a missing browser or database is a broken
    run, not a smaller one.
    """
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)", pytrace=False)
    pytest.skip(reason)


_playwright_loop = None


def _outside_running_loop(function):
    """Mark Playwright's loop as running only while ``function`` (a sync API call) runs."""

    @functools.wraps(function)
    def guarded(*args, **kwargs):
        loop = _playwright_loop
        if (loop is None or loop.is_closed() or greenlet.getcurrent().parent is not None
                or asyncio.events._get_running_loop() is not None):
            return function(*args, **kwargs)
        asyncio.events._set_running_loop(loop)
        try:
            return function(*args, **kwargs)
        finally:
            asyncio.events._set_running_loop(None)

    guarded.healthstack_guarded = True
    return guarded


def _guard_playwright_sync_api() -> None:
    import playwright._impl._sync_base as sync_base
    import playwright.sync_api as sync_api
    import playwright.sync_api._generated as generated

    classes = {cls for cls in vars(generated).values() if isinstance(cls, type) and issubclass(cls, sync_base.SyncBase)}
    classes |= {sync_base.SyncBase, sync_base.SyncContextManager, sync_base.EventContextManager,
                sync_base.EventInfo, sync_api.Expect}
    for cls in classes:
        for name, attribute in list(vars(cls).items()):
            if isinstance(attribute, property) and attribute.fget is not None:
                if not getattr(attribute.fget, "healthstack_guarded", False):
                    setattr(cls, name, property(
                        _outside_running_loop(attribute.fget),
                        attribute.fset and _outside_running_loop(attribute.fset),
                        attribute.fdel, attribute.__doc__,
                    ))
            elif inspect.isfunction(attribute) and not getattr(attribute, "healthstack_guarded", False):
                setattr(cls, name, _outside_running_loop(attribute))


def start_playwright():
    """Start Playwright's sync API so that its event loop does not look "running" to test code.

    Between calls the sync API leaves its loop marked as the thread's running
    loop. Django would then refuse ORM calls (SynchronousOnlyOperation), asgiref
    ``async_to_sync`` (channel layer sends, notify()), and pytest-asyncio later
    async tests. Here every sync API call marks the loop running on the way in
    and clears it on the way out. Returns ``(playwright, stop)``.
    """
    global _playwright_loop
    from playwright.sync_api import sync_playwright

    _guard_playwright_sync_api()
    playwright = sync_playwright().start()
    loop = _playwright_loop = playwright._loop
    asyncio.events._set_running_loop(None)

    def stop():
        global _playwright_loop
        asyncio.events._set_running_loop(loop)
        try:
            playwright.stop()
        finally:
            asyncio.events._set_running_loop(None)
            _playwright_loop = None

    return playwright, stop


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL (django-environ syntax) for the database ``settings_dict`` points at."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        name = str(settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("An in-memory SQLite test database cannot be shared with a server process.")
        return "sqlite:///" + str(Path(name).resolve())
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
    raise RuntimeError(f"No DATABASE_URL form for engine {engine}")


def _die_with_parent() -> None:
    """In the server child: get SIGTERM when pytest dies, even by SIGKILL (Linux prctl)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class LiveServer:
    """Daphne serving ``config.asgi:application`` in a subprocess on a free loopback port."""

    def __init__(self, *, database_url: str, media_root: Path, private_media_root: Path,
                 mail_dir: Path, log_path: Path, secret_key: str, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mail_dir = mail_dir
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media_root),
            "PRIVATE_MEDIA_ROOT": str(private_media_root),
            # Four slashes: django-environ drops one, leaving an absolute path.
            "EMAIL_URL": f"filemail:///{mail_dir}",
            "DJANGO_SECRET_KEY": secret_key,
            # DEBUG=1 so static files come from the finders (no collectstatic manifest needed).
            "DJANGO_DEBUG": "1",
            "DJANGO_DEBUG_TOOLBAR": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            "AXES_ENABLED": os.environ.get("AXES_ENABLED", "1"),
            "PYTHONUNBUFFERED": "1",
            # Background tasks run inside the request that queues them, unless a test starts a consumer.
            "HUEY_IMMEDIATE": "1",
            **(extra_env or {}),
        }
        # The test process uses the in-memory channel layer; so does the server unless told otherwise.
        if "REDIS_URL" not in (extra_env or {}):
            self.env.pop("REDIS_URL", None)
        self.process: subprocess.Popen | None = None

    def start(self) -> "LiveServer":
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "--access-log", "-", "config.asgi:application"],
            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Daphne did not answer /healthz within {SERVER_START_SECONDS}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no server log)"

    def clear_mail(self) -> None:
        for path in self.mail_dir.glob("*.log"):
            path.unlink()


@dataclass
class SentEmail:
    subject: str
    from_email: str
    to: list[str]
    body: str
    html: str
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    message: email.message.EmailMessage | None = None

    @property
    def links(self) -> list[str]:
        """Every http(s) URL in the text body, in order."""
        return re.findall(r"https?://[^\s<>\"')]+", self.body)


_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def read_sent_emails(mail_dir: Path) -> list[SentEmail]:
    """Messages Django's file-based email backend wrote into ``mail_dir``, oldest first."""
    found = []
    paths = sorted(mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    for path in paths:
        for chunk in path.read_bytes().split(_SEPARATOR):
            if chunk.strip():
                found.append(_parse(chunk))
    return found


def _parse(raw: bytes) -> SentEmail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments = [
        (part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True) or b"")
        for part in message.iter_attachments()
    ]
    to = [address.addr_spec for address in message["To"].addresses] if message["To"] else []
    return SentEmail(
        subject=str(message["Subject"] or ""),
        from_email=str(message["From"] or ""),
        to=to,
        body=text.get_content() if text is not None else "",
        html=html.get_content() if html is not None else "",
        attachments=attachments,
        message=message,
    )


@dataclass
class DemoFiles:
    """A file database and media folders holding what `make run` seeds (`migrate` + `seed_demo`)."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "db.sqlite3"

    @property
    def media_root(self) -> Path:
        return self.root / "media"

    @property
    def private_media_root(self) -> Path:
        return self.root / "private_media"

    def env(self) -> dict:
        """The variables that point settings.py at these files (tasks queue beside the database)."""
        return {
            "DATABASE_URL": f"sqlite:///{self.database}",
            "MEDIA_ROOT": str(self.media_root),
            "PRIVATE_MEDIA_ROOT": str(self.private_media_root),
            "HUEY_DATABASE": str(self.root / "tasks.sqlite3"),
        }

    def patient_with_records(self) -> str:
        """The email of a demo patient with an issued prescription and an uploaded document."""
        import sqlite3

        connection = sqlite3.connect(self.database)
        try:
            row = connection.execute(
                "SELECT u.email FROM accounts_user u WHERE"
                " EXISTS (SELECT 1 FROM records_prescription p WHERE p.patient_id = u.id AND p.status = 'issued')"
                " AND EXISTS (SELECT 1 FROM records_medicaldocument d WHERE d.patient_id = u.id)"
                " ORDER BY u.email LIMIT 1"
            ).fetchone()
        finally:
            connection.close()
        if row is None:
            raise AssertionError("the seeded demo has no patient with both a prescription and a document")
        return row[0]

    def copy_to(self, root: Path) -> "DemoFiles":
        """A private copy (database through SQLite's backup API, so a copy is never torn)."""
        import shutil
        import sqlite3

        root.mkdir(parents=True)
        copy = DemoFiles(root)
        source, target = sqlite3.connect(self.database), sqlite3.connect(copy.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
        for folder, destination in ((self.media_root, copy.media_root),
                                    (self.private_media_root, copy.private_media_root)):
            if folder.exists():
                shutil.copytree(folder, destination)
        return copy


def manage_py(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``manage.py`` in a subprocess with ``env`` over a clean environment; raise with its output if it fails."""
    clean = {key: value for key, value in os.environ.items()
             if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "HUEY_", "SITE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG_TOOLBAR": "0",
             "EMAIL_URL": "consolemail://", **env},
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def seed_demo_files(root: Path) -> DemoFiles:
    """Migrate and seed the demo into ``root`` as `make run` does (about 25 s: real password hashing)."""
    demo = DemoFiles(root)
    root.mkdir(parents=True, exist_ok=True)
    manage_py("migrate", "--noinput", env=demo.env())
    manage_py("seed_demo", env=demo.env())
    return demo


def log_in(base_url: str, email_address: str, password: str):
    """A ``requests`` session signed in through the log-in form of the server at ``base_url``."""
    import requests

    session = requests.Session()
    form = session.get(base_url + "/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = session.post(base_url + "/accounts/login/", timeout=20, allow_redirects=False,
                          data={"csrfmiddlewaretoken": token, "username": email_address, "password": password},
                          headers={"Referer": base_url + "/accounts/login/"})
    if answer.status_code != 302:
        raise AssertionError(f"log-in as {email_address} answered {answer.status_code}")
    return session
