"""Shared fixtures for every app's tests and the browser journeys.

People: ``hospital``, ``other_hospital``, ``department``, ``patient``, ``doctor``,
``doctor_membership``, ``hospital_admin``, ``receptionist``, ``lab_worker``,
``pharmacist``; ``client_for(user)`` gives a signed-in Django test client.

Browser journeys (tests/e2e/): ``live_server_url`` (Daphne on the test database,
implies ``transactional_db``), ``page``, ``browser``, ``new_context(user=...)``,
``browser_login(page_or_context, user)``, ``sent_emails()``.

The demo: ``seeded_demo`` (the context of one ``seed_demo`` run shared by the whole session,
at the frozen instant ``DEMO_INSTANT``; each test's changes are rolled back).

Other servers: ``redis_url`` (the throwaway Redis of ``make test``); tests marked
``postgres`` run only on PostgreSQL (second pass of ``make test``).
"""

import contextlib
import re

import pytest

from tests.harness import (
    ARTIFACTS_DIR,
    BROWSER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    IN_CI,
    LiveServer,
    database_url,
    read_sent_emails,
    require,
    start_playwright,
)

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config):
    # Tasks run inside the call that queues them (in memory); tests that need a real consumer start one.
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


def pytest_report_header(config):
    from django.conf import settings

    return [
        f"healthstack: database {settings.DATABASES['default']['ENGINE']}, CI={'yes' if IN_CI else 'no'}",
    ]


def pytest_itemcollected(item):
    # Marked as each test is collected, so `-m e2e` / `-m "not e2e"` (applied after collection) see it.
    if "/tests/e2e/" in item.nodeid.replace("\\", "/") or item.nodeid.startswith("tests/e2e/"):
        item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # The seeded demo stays in the test database once loaded: its tests run last, so no other
    # test ever sees it (nor flushes it away under them).
    items.sort(key=lambda item: "seeded_demo" in getattr(item, "fixturenames", ()))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    # Under CI nothing may be skipped, whichever way the skip was asked for.
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, where nothing may be skipped: {reason}"


# --- Test settings -----------------------------------------------------------------


@pytest.fixture(scope="session")
def harness_dir(tmp_path_factory):
    """One temp folder per pytest process: test database, media, server log, mail."""
    return tmp_path_factory.mktemp("healthstack")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, harness_dir):
    # A file, not :memory:, so a Daphne subprocess can open the same test database;
    # in this process's temp folder, so parallel pytest runs never share one.
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(harness_dir / "test-db.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def _test_media_roots(harness_dir):
    from django.test import override_settings

    override = override_settings(
        MEDIA_ROOT=harness_dir / "media", PRIVATE_MEDIA_ROOT=harness_dir / "private_media"
    )
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache holds rate-limit counts (healthstack.ratelimit): no test inherits another's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    # Argon2 costs ~50 ms a user. A live server keeps settings.py's hashers, so the
    # passwords the test writes can be checked by the server process.
    if "live_server_url" not in request.fixturenames:
        settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _postgres_only(request):
    if request.node.get_closest_marker("postgres") is None:
        return
    from django.db import connection

    require(
        connection.vendor == "postgresql",
        f"needs PostgreSQL (DATABASE_URL=postgres://...), database is {connection.vendor}",
    )


@pytest.fixture
def redis_url():
    """The throwaway Redis that `make test` starts (TEST_REDIS_URL)."""
    import os

    url = os.environ.get("TEST_REDIS_URL", "")
    require(bool(url), "needs Redis: run through `make test`, or set TEST_REDIS_URL")
    return url


# --- The demo --------------------------------------------------------------------------

# A Friday morning in Dhaka: the demo's doctors have no weekly hours on Fridays.
DEMO_INSTANT = "2026-11-27T10:30:00+06:00"


@pytest.fixture(scope="session")
def _seeded_demo(django_db_setup, django_db_blocker, _test_media_roots):
    import time_machine
    from django.test import override_settings

    from hospitals.demo import seed

    with django_db_blocker.unblock(), time_machine.travel(DEMO_INSTANT, tick=False), \
            override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        return seed()


@pytest.fixture
def seeded_demo(_seeded_demo, db):
    """The demo as ``seed_demo`` leaves it, seeded once a session; the clock stands at ``DEMO_INSTANT``."""
    import time_machine

    with time_machine.travel(DEMO_INSTANT):
        yield _seeded_demo


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    """A file database and media folders seeded by `manage.py migrate` and `seed_demo` in a subprocess,
    at the real time, once a session (DemoFiles); serve a ``.copy_to(folder)``, never these."""
    from tests.harness import seed_demo_files

    return seed_demo_files(tmp_path_factory.mktemp("demo-files"))


# --- People and places -------------------------------------------------------------


@pytest.fixture
def hospital(db):
    from hospitals.tests.factories import HospitalFactory

    return HospitalFactory(name="Green Life Hospital", slug="green-life")


@pytest.fixture
def other_hospital(db):
    from hospitals.tests.factories import HospitalFactory

    return HospitalFactory(name="Riverside Medical College Hospital", slug="riverside", city="Chattogram")


@pytest.fixture
def department(hospital):
    from hospitals.tests.factories import DepartmentFactory

    return DepartmentFactory(hospital=hospital, name="Cardiology", slug="cardiology")


@pytest.fixture
def patient(db):
    """A user with a patient profile."""
    from accounts.tests.factories import PatientFactory

    return PatientFactory(full_name="Ayesha Rahman", email="ayesha@example.test")


@pytest.fixture
def doctor_membership(hospital, department):
    """An approved doctor membership at ``hospital`` in ``department``, fee 500.00."""
    from hospitals.tests.factories import MembershipFactory

    return MembershipFactory(
        hospital=hospital,
        department=department,
        role="doctor",
        user__full_name="Kamal Hossain",
        user__email="dr.kamal@example.test",
    )


@pytest.fixture
def doctor(doctor_membership):
    """A user with a doctor profile and an approved doctor membership at ``hospital``."""
    return doctor_membership.user


def _staff(hospital, role, full_name, email):
    from hospitals.tests.factories import MembershipFactory

    return MembershipFactory(hospital=hospital, role=role, user__full_name=full_name, user__email=email).user


@pytest.fixture
def hospital_admin(hospital):
    return _staff(hospital, "admin", "Nasrin Akter", "admin@example.test")


@pytest.fixture
def receptionist(hospital):
    return _staff(hospital, "receptionist", "Rafiq Islam", "reception@example.test")


@pytest.fixture
def lab_worker(hospital):
    return _staff(hospital, "lab_worker", "Shirin Sultana", "lab@example.test")


@pytest.fixture
def pharmacist(hospital):
    return _staff(hospital, "pharmacist", "Habib Chowdhury", "pharmacy@example.test")


def _registries() -> list[dict]:
    """Every registry an app fills from its ready(): saved and restored around the throwaway app."""
    from accounts import home, orders
    from healthstack import mail
    from hospitals import dashboard, doctor_page, navigation
    from notifications import events
    from payments import payables
    from records import prescription_parts, sections, timeline

    return [navigation.NAV_ITEMS, dashboard.PANELS, dashboard.ROLE_HOMES, events.EVENTS, orders.CART_SECTIONS,
            orders.ORDER_SOURCES, timeline.TIMELINE_KINDS, sections.RECORD_SECTIONS, home.SHORTCUTS, home.HOME_CARDS,
            doctor_page.SECTIONS, prescription_parts.PARTS, payables._FINDERS, payables._AWAITING, mail._RENDERERS]


@contextlib.contextmanager
def _throwaway_app_installed():
    from django.test import modify_settings, override_settings

    registries = _registries()
    saved = [dict(registry) for registry in registries]
    try:
        with modify_settings(INSTALLED_APPS={"append": "tests.throwaway_app"}), \
                override_settings(ROOT_URLCONF="tests.throwaway_app.urls"):
            yield
    finally:
        for registry, before in zip(registries, saved, strict=True):
            registry.clear()
            registry.update(before)


@pytest.fixture
def throwaway_app():
    """``tests.throwaway_app`` installed (its ready() registers its parts, its templates load) with its URLs;
    every registry is put back as it was afterwards."""
    with _throwaway_app_installed():
        yield


@pytest.fixture
def install_throwaway_app():
    """``with install_throwaway_app():`` the throwaway app installed inside one test, uninstalled after the block."""
    return _throwaway_app_installed


@pytest.fixture
def client_for(db):
    """``client_for(user)``: a Django test client signed in as ``user`` (force_login, so Axes is not involved)."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# --- Live server and browser ---------------------------------------------------------


@pytest.fixture(scope="session")
def _live_server(django_db_setup, django_db_blocker, harness_dir):
    from django.conf import settings
    from django.db import connection

    server = LiveServer(
        database_url=database_url(connection.settings_dict),
        media_root=harness_dir / "media",
        private_media_root=harness_dir / "private_media",
        mail_dir=harness_dir / "mail",
        log_path=harness_dir / "daphne.log",
        secret_key=settings.SECRET_KEY,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_server_url(transactional_db, _live_server):
    """Base URL of a Daphne server on this run's test database (committed data only)."""
    _live_server.clear_mail()
    yield _live_server.url


@pytest.fixture
def sent_emails(_live_server, live_server_url):
    """``sent_emails()``: the mail the live server sent during this test, oldest first."""
    return lambda: read_sent_emails(_live_server.mail_dir)


@pytest.fixture(scope="session")
def _playwright():
    import os

    require(os.access(CHROMIUM, os.X_OK), f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    playwright, stop = start_playwright()
    yield playwright
    stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    """Debian's Chromium, headless. Prefer ``new_context`` / ``page`` in tests."""
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _session_cookie(user, url):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": url}


@pytest.fixture
def browser_login(live_server_url):
    """``browser_login(page_or_context, user)``: sign the browser in as ``user`` without the login form."""

    def login(target, user):
        context = getattr(target, "context", target)
        context.add_cookies([_session_cookie(user, live_server_url)])

    return login


@pytest.fixture
def new_context(request, browser, live_server_url, browser_login):
    """``new_context(user=None, **options)``: a fresh browser context with base_url = the live server.

    Several contexts in one test are several people at once (chat). On failure a
    screenshot of every open page goes to test-artifacts/.
    """
    contexts = []

    def make(user=None, **options):
        options.setdefault("base_url", live_server_url)
        context = browser.new_context(**options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS * 2)
        if user is not None:
            browser_login(context, user)
        contexts.append(context)
        return context

    yield make

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for i, context in enumerate(contexts):
            for j, open_page in enumerate(context.pages):
                try:
                    open_page.screenshot(path=str(ARTIFACTS_DIR / f"{stem}-{i}-{j}.png"), full_page=True)
                except Exception as error:  # a crashed page must not hide the test's own failure
                    print(f"screenshot failed: {error}")
        print(f"server log: {request.getfixturevalue('_live_server').log_path}")
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh, signed-out browser context; ``page.goto("/healthz")`` is relative to the live server."""
    return new_context().new_page()
