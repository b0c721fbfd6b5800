"""Load on a live HealthStack server, shared by the SQLite load tests and ``bench/sqlite_load.py``.

``build_cast(patients=, staff=)`` creates, through the ORM in the database the server uses, two
hospitals with two doctors each (hours every day of the week, one doctor with a fee), their
receptionists, and patients who each hold an API token, a signed-in session and a chat with
one doctor (a past confirmed visit makes the care relationship).

``run_mixed_load(base_url, cast, clients=, seconds=)`` runs ``clients`` threads for ``seconds``:
patients book free slots through the API and the booking page, cancel their bookings (API and
page), read pages (search, hospital, their appointments, records, notifications), chat with
their doctor over the websocket and over HTTP, and upload small PDFs and PNGs to their record;
receptionists read the day board and the desk API and confirm requests; doctors read their
queue and chats. Every request goes through real HTTP or a real websocket and is recorded in a
``LoadResult``: its kind, status and latency, and a problem for anything a user would call an
error (a 5xx, a connection error, a 4xx that is not one of the clear answers the action
expects, a session bounced to the login page).

``race_for_one_slot(base_url, tokens, payload)``: every token POSTs the same booking at once.
``database_problems(cast, result)``: what the database says that it should not after a run.
"""

import http.client
import io
import json
import random
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as clock
from http.cookies import SimpleCookie
from threading import Barrier
from urllib.parse import urlencode, urlsplit

SLOT_TAKEN_TEXT = "This slot was just taken."
REQUEST_TIMEOUT_SECONDS = 60
THINK_SECONDS = (0.05, 0.25)  # a pause between one client's actions
BOOKING_DAYS = range(2, 16)  # days ahead; past the 2-hour cancellation cut-off, inside the 30-day window
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# --- The people -----------------------------------------------------------------------------------

@dataclass
class Practice:
    membership_id: int
    doctor_profile_id: int
    doctor_user_id: int
    hospital_slug: str
    fee: int


@dataclass
class Seat:
    """One simulated person: a patient (with a chat) or a member of staff."""

    role: str
    user_id: int
    session: str
    token: str = ""
    hospital_slug: str = ""
    conversation_id: int = 0


@dataclass
class Cast:
    practices: list[Practice]
    patients: list[Seat]
    staff: list[Seat]
    hospital_slugs: list[str]
    days: list[date]  # the days patients book, in the hospitals' time zone
    session_cookie_name: str


def build_cast(*, patients: int, staff: int) -> Cast:
    """Create the hospitals, doctors, staff and patients of a load run (needs Django set up and a database)."""
    from django.conf import settings
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.services import issue_api_token
    from accounts.tests.factories import PatientFactory, UserFactory
    from appointments.models import Appointment
    from appointments.slots import local_now
    from appointments.tests.factories import AppointmentFactory, ScheduleRuleFactory
    from chat.models import Conversation
    from hospitals.models import Membership
    from hospitals.tests.factories import HospitalFactory, MembershipFactory

    def session_for(user) -> str:
        # What a sign-in leaves: a database session naming the user (no password hashing needed).
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    run = uuid.uuid4().hex[:6]
    practices, staff_seats, slugs = [], [], []
    for number in range(2):
        hospital = HospitalFactory(name=f"Load Test Hospital {run} {number}", slug=f"load-{run}-{number}")
        slugs.append(hospital.slug)
        for doctor_number in range(2):
            membership = MembershipFactory(
                hospital=hospital, role=Membership.Role.DOCTOR, user__password=None,
                user__full_name=f"Load Doctor {number}{doctor_number}",
                consultation_fee=500 if (number, doctor_number) == (1, 1) else 0,
            )
            for weekday in range(7):
                ScheduleRuleFactory(membership=membership, weekday=weekday, start_time=clock(9), end_time=clock(13))
            practices.append(Practice(membership.pk, membership.user.doctor_profile.pk, membership.user_id,
                                      hospital.slug, int(membership.consultation_fee)))
        MembershipFactory(hospital=hospital, role=Membership.Role.RECEPTIONIST, user__password=None,
                          user__full_name=f"Load Receptionist {number}")
    receptionists = list(Membership.objects.filter(hospital__slug__in=slugs, role=Membership.Role.RECEPTIONIST)
                         .select_related("user", "hospital").order_by("hospital__slug"))
    doctors = list(Membership.objects.filter(pk__in=[p.membership_id for p in practices])
                   .select_related("user", "hospital").order_by("pk"))
    for number in range(staff):
        # Receptionists and doctors in turn, across both hospitals.
        pool = receptionists if number % 2 == 0 else doctors
        member = pool[(number // 2) % len(pool)]
        staff_seats.append(Seat(member.role, member.user_id, session_for(member.user), issue_api_token(user=member.user)[1],
                                member.hospital.slug))
    patient_seats = []
    for number in range(patients):
        user = PatientFactory(password=None, full_name=f"Load Patient {number}")
        practice = practices[number % len(practices)]
        membership = next(m for m in doctors if m.pk == practice.membership_id)
        # A visit weeks ago that the hospital confirmed: the care relationship chat needs.
        AppointmentFactory(membership=membership, patient=user, status=Appointment.Status.CONFIRMED,
                           date=local_now(membership.hospital).date() - timedelta(days=30 + number),
                           start_time=clock(8), end_time=clock(8, 15), fee=0)
        conversation = Conversation.objects.create(patient=user, doctor=membership.user)
        patient_seats.append(Seat("patient", user.pk, session_for(user), issue_api_token(user=user)[1],
                                  conversation_id=conversation.pk))
    today = local_now(doctors[0].hospital).date()
    return Cast(practices, patient_seats, staff_seats, slugs, [today + timedelta(days=n) for n in BOOKING_DAYS],
                settings.SESSION_COOKIE_NAME)


# --- What happened --------------------------------------------------------------------------------

@dataclass
class Sample:
    kind: str
    status: int  # 0: no answer (connection error, timeout)
    seconds: float


class LoadResult:
    """Every request of a run, what it left behind, and what went wrong (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.samples: list[Sample] = []
        self.problems: list[str] = []
        self.refusals: Counter = Counter()  # expected clear answers, by what they said
        self.booked: dict[int, int] = {}  # appointment id -> patient user id
        self.cancelled: set[int] = set()
        self.confirmed: set[int] = set()
        self.documents: dict[int, int] = {}  # patient user id -> documents the server said it stored
        self.messages: dict[int, int] = {}  # conversation id -> messages the server said it stored
        self.handshakes: list[float] = []  # seconds each chat socket took to open
        self.started = self.finished = 0.0

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self._lock:
            self.samples.append(Sample(kind, status, seconds))

    def problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def refused(self, kind: str, why: str) -> None:
        with self._lock:
            self.refusals[f"{kind}: {why}"] += 1

    def count(self, counter: dict, key: int) -> None:
        with self._lock:
            counter[key] = counter.get(key, 0) + 1

    @property
    def server_errors(self) -> int:
        return sum(1 for s in self.samples if s.status >= 500)

    @property
    def connection_errors(self) -> int:
        return sum(1 for s in self.samples if s.status == 0)

    def summary(self, *, percentiles=(0.50, 0.95)) -> str:
        elapsed = max(self.finished - self.started, 1e-9)
        lines = [f"{len(self.samples)} requests in {elapsed:.1f} s ({len(self.samples) / elapsed:.1f} req/s); "
                 f"statuses {dict(sorted(Counter(s.status for s in self.samples).items()))}; "
                 f"5xx {self.server_errors}, connection errors {self.connection_errors}, problems {len(self.problems)}"]
        by_kind = defaultdict(list)
        for sample in self.samples:
            by_kind[sample.kind].append(sample)
        heads = " ".join(f"{'p' + str(round(share * 100)):>7}" for share in percentiles)
        lines.append(f"{'kind':<18}{'count':>7}  {heads}  statuses")
        for kind, samples in sorted(by_kind.items(), key=lambda item: -len(item[1])):
            ms = sorted(s.seconds * 1000 for s in samples)
            figures = " ".join(f"{percentile(ms, share):>5.0f}ms" for share in percentiles)
            statuses = ", ".join(f"{code}×{n}" for code, n in sorted(Counter(s.status for s in samples).items()))
            lines.append(f"{kind:<18}{len(samples):>7}  {figures}  {statuses}")
        ms = sorted(s.seconds * 1000 for s in self.samples)
        if ms:
            lines.append(f"{'all':<18}{len(ms):>7}  " + " ".join(f"{percentile(ms, share):>5.0f}ms" for share in percentiles))
        if self.handshakes:
            ms = sorted(value * 1000 for value in self.handshakes)
            lines.append(f"chat socket handshakes: {len(ms)}, " + ", ".join(
                f"p{round(share * 100)} {percentile(ms, share):.0f}ms" for share in percentiles) + f", max {ms[-1]:.0f}ms")
        lines.append(f"booked {len(self.booked)}, cancelled {len(self.cancelled)}, confirmed {len(self.confirmed)}, "
                     f"documents {sum(self.documents.values())}, chat messages {sum(self.messages.values())}")
        if self.refusals:
            lines.append("clear refusals: " + "; ".join(f"{why} ×{n}" for why, n in self.refusals.most_common()))
        return "\n".join(lines)


def percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- One person's HTTP ----------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self) -> dict:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {"items": value}

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Client:
    """One person's browser or API client: a session cookie (and CSRF cookie) or a token; no redirects followed."""

    def __init__(self, base_url: str, result: LoadResult, seat: Seat, cookie_name: str):
        parts = urlsplit(base_url)
        self.base_url, self.host, self.port = base_url, parts.hostname, parts.port
        self.result, self.seat = result, seat
        self.cookies = {cookie_name: seat.session}

    def request(self, kind: str, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None,
                api: bool = False, clear=None) -> Answer | None:
        """Send one request and record it. ``clear(answer) -> str | None`` names an expected 4xx answer.

        Returns the answer, or None after recording a problem.
        """
        headers = dict(headers or {})
        if api:
            headers["Authorization"] = f"Token {self.seat.token}"
        else:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
            # An API client keeps no cookies; a browser keeps what the server sets (csrftoken).
            for value in (response.headers.get_all("Set-Cookie") or []) if not api else []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        except (OSError, http.client.HTTPException) as error:
            self.result.add(kind, 0, time.perf_counter() - started)
            self.result.problem(f"{kind} {method} {path}: no answer ({type(error).__name__}: {error})")
            return None
        finally:
            connection.close()
        self.result.add(kind, answer.status, time.perf_counter() - started)
        location = answer.headers.get("location", "")
        if answer.status >= 500:
            self.result.problem(f"{kind} {method} {path}: {answer.status} {answer.text[:300]}")
            return None
        if 300 <= answer.status < 400 and "/accounts/login/" in location:
            self.result.problem(f"{kind} {method} {path}: sent to the login page")
            return None
        if answer.status >= 400:
            why = clear(answer) if clear else None
            if why is None:
                self.result.problem(f"{kind} {method} {path}: {answer.status} {answer.text[:300]}")
                return None
            self.result.refused(kind, why)
        return answer

    def get(self, kind: str, path: str, **options) -> Answer | None:
        return self.request(kind, "GET", path, **options)

    def post_json(self, kind: str, path: str, payload: dict, **options) -> Answer | None:
        return self.request(kind, "POST", path, body=json.dumps(payload).encode(), api=True,
                            headers={"Content-Type": "application/json", "Accept": "application/json"}, **options)

    def post_form(self, kind: str, path: str, fields: dict, *, files: dict | None = None, **options) -> Answer | None:
        headers = {"Referer": self.base_url + path, **options.pop("headers", {})}
        if files or options.get("api"):
            body, content_type = multipart(fields, files or {})
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers["Content-Type"] = content_type
        return self.request(kind, "POST", path, body=body, headers=headers, **options)

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body: ``files`` maps a field to (file name, content type, bytes)."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content_type, content) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def form_token(answer: Answer | None) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text) if answer else None
    return found.group(1) if found else ""


def api_refusal(answer: Answer) -> str | None:
    """A 400 whose JSON names the field it is about, with a message: a clear answer."""
    body = answer.json()
    if answer.status != 400 or not body:
        return None
    name, messages = next(iter(body.items()))
    if not isinstance(messages, list) or not messages:
        return None
    return f"{name}: {str(messages[0])[:60]}"


def small_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 24), (random.randrange(256), 120, 140)).save(buffer, "PNG")
    return buffer.getvalue()


# --- What people do ---------------------------------------------------------------------------------

class Person:
    """One client thread's loop of actions until the deadline."""

    def __init__(self, base_url: str, cast: Cast, seat: Seat, result: LoadResult, rng: random.Random):
        self.base_url, self.cast, self.seat, self.result, self.rng = base_url, cast, seat, result, rng
        self.client = Client(base_url, result, seat, cast.session_cookie_name)
        self.mine: list[int] = []  # this patient's active bookings
        self.png = small_png()

    def run(self, deadline: float) -> None:
        actions = self.staff_actions() if self.seat.role != "patient" else self.patient_actions()
        names, weights = zip(*actions)
        while time.monotonic() < deadline:
            action = self.rng.choices(names, weights)[0]
            try:
                action()
            except Exception as error:  # a bug in the driver must show, not stop the other clients
                self.result.problem(f"{action.__name__}: the load driver failed: {type(error).__name__}: {error}")
            time.sleep(self.rng.uniform(*THINK_SECONDS))

    # Patients --------------------------------------------------------------------------------------

    def patient_actions(self):
        return [(self.book_api, 12), (self.book_page, 8), (self.cancel, 10), (self.read_page, 40),
                (self.chat_socket, 10), (self.chat_http, 10), (self.upload, 6)]

    def _day(self) -> date:
        return self.rng.choice(self.cast.days)

    def _booked(self, appointment_id: int) -> None:
        self.mine.append(appointment_id)
        with self.result._lock:
            self.result.booked[appointment_id] = self.seat.user_id

    def _find_my_booking(self, membership_id: int, day: str, start: str) -> int | None:
        """The id of my awaiting-payment visit with this doctor at ``day`` ``start``, read through my API list."""
        path = "/api/v1/me/appointments/"
        for _page in range(20):
            listing = self.client.get("my_appointments_api", path, api=True, headers={"Accept": "application/json"})
            if listing is None:
                return None
            data = listing.json()
            for row in data.get("results", []):
                if (row["membership"] == membership_id and row["date"] == day
                        and row["start_time"].startswith(start) and row["id"] not in self.mine):
                    return row["id"]
            if not data.get("next"):
                return None
            path = "/api/v1/me/appointments/" + data["next"].split("/api/v1/me/appointments/", 1)[1]
        return None

    def book_api(self):
        practice = self.rng.choice(self.cast.practices)
        day = self._day()
        slots = self.client.get("free_slots_api", f"/api/v1/practices/{practice.membership_id}/slots/?date={day}",
                                api=True, headers={"Accept": "application/json"})
        free = slots.json().get("items", []) if slots else []
        if not free:
            return
        answer = self.client.post_json("book_api", "/api/v1/me/appointments/", {
            "membership": practice.membership_id, "date": day.isoformat(),
            "start_time": self.rng.choice(free)["start"], "reason": "Cough and fever for three days",
        }, clear=api_refusal)
        if answer is not None and answer.status == 201:
            self._booked(answer.json()["id"])

    def book_page(self):
        practice = self.rng.choice(self.cast.practices)
        day = self._day()
        path = f"/doctors/{practice.doctor_profile_id}/book/"
        page = self.client.get("booking_page", f"{path}?membership={practice.membership_id}&date={day}")
        if page is None:
            return
        shown_day = re.search(r'name="date" value="([0-9-]+)"', page.text)
        free = re.findall(r'name="start" id="slot-\d+" value="([0-9:]+)"', page.text)
        if not free or not shown_day:
            return
        fields_sent = {
            "csrfmiddlewaretoken": form_token(page), "membership": practice.membership_id,
            "date": shown_day.group(1), "start": self.rng.choice(free), "reason": "Headache for a week",
        }
        answer = self.client.post_form("book_form", path, fields_sent)
        if answer is None:
            return
        booked = re.fullmatch(r"/appointments/(\d+)/", answer.headers.get("location", ""))
        if answer.status == 302 and booked:
            self._booked(int(booked.group(1)))
        elif answer.status == 303 and "/sandbox/sslcommerz/" in answer.headers.get("location", ""):
            # A booking with a fee goes straight to the gateway's page: find which visit it made.
            found = self._find_my_booking(practice.membership_id, fields_sent["date"], fields_sent["start"])
            if found:
                self._booked(found)
            else:
                self.result.problem("book_form: sent to the gateway, but the booking is not in my appointments")
        elif answer.status == 200 and "alert-danger" in answer.text:
            why = "slot taken" if SLOT_TAKEN_TEXT in answer.text else "form error"
            self.result.refused("book_form", why)
        else:
            self.result.problem(f"book_form: neither a booking nor a clear refusal ({answer.status})")

    def cancel(self):
        if not self.mine:
            return self.read_page()
        appointment_id = self.mine.pop(self.rng.randrange(len(self.mine)))
        if self.rng.random() < 0.5:
            answer = self.client.post_json("cancel_api", f"/api/v1/me/appointments/{appointment_id}/cancel/",
                                           {"reason": "Feeling better"}, clear=api_refusal)
            done = answer is not None and answer.status == 200
        else:
            page = self.client.get("appointment_page", f"/appointments/{appointment_id}/")
            if page is None or 'name="reason"' not in page.text:
                return
            answer = self.client.post_form("cancel_form", f"/appointments/{appointment_id}/cancel/", {
                "csrfmiddlewaretoken": form_token(page), "reason": "Found an earlier time elsewhere",
            })
            done = answer is not None and answer.status == 302
        if done:
            with self.result._lock:
                self.result.cancelled.add(appointment_id)

    def read_page(self):
        practice = self.rng.choice(self.cast.practices)
        kind, path, api = self.rng.choice([
            ("home", "/", False),
            ("search_hospitals", "/hospitals/?q=Load", False),
            ("search_doctors", "/doctors/?q=Load+Doctor", False),
            ("hospital_page", f"/hospitals/{practice.hospital_slug}/", False),
            ("doctor_page", f"/doctors/{practice.doctor_profile_id}/", False),
            ("my_appointments", "/me/appointments/", False),
            ("my_appointments_api", "/api/v1/me/appointments/", True),
            ("my_records", "/me/records/", False),
            ("notifications", "/notifications/", False),
        ])
        self.client.get(kind, path, api=api)

    def chat_socket(self):
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        tag = uuid.uuid4().hex[:12]
        ws_url = self.base_url.replace("http", "ws", 1) + f"/ws/chat/{self.seat.conversation_id}/"
        started = time.perf_counter()
        status = 0
        try:
            with connect(ws_url, origin=self.base_url, open_timeout=REQUEST_TIMEOUT_SECONDS,
                         additional_headers={"Cookie": f"{self.cast.session_cookie_name}={self.seat.session}"}) as ws:
                # The handshake alone: Daphne drops one that takes over 5 s (--websocket_connect_timeout).
                with self.result._lock:
                    self.result.handshakes.append(time.perf_counter() - started)
                ws.send(json.dumps({"type": "message", "body": f"load {tag}: is the dose right?"}))
                deadline = time.monotonic() + REQUEST_TIMEOUT_SECONDS
                while status == 0 and time.monotonic() < deadline:
                    frame = json.loads(ws.recv(timeout=deadline - time.monotonic()))
                    if frame.get("type") == "message" and tag in frame["message"]["body"]:
                        status = 101
                    elif frame.get("type") == "error":
                        status = 400
                        self.result.problem(f"chat_socket: error frame {frame}")
        except (OSError, TimeoutError, WebSocketException) as error:
            self.result.problem(f"chat_socket: {type(error).__name__}: {error}")
        self.result.add("chat_socket", status, time.perf_counter() - started)
        if status == 101:
            self.result.count(self.result.messages, self.seat.conversation_id)

    def chat_http(self):
        room = f"/chat/{self.seat.conversation_id}/"
        page = self.client.get("chat_room", room)
        if page is None:
            return
        answer = self.client.post_form("chat_send", f"{room}send/", {"body": "Sent from the page: thank you, doctor."},
                                       headers={"X-CSRFToken": self.client.csrf, "Accept": "application/json"})
        if answer is not None and answer.status == 201:
            self.result.count(self.result.messages, self.seat.conversation_id)
            after = answer.json()["message"]["id"] - 5
            self.client.get("chat_history", f"{room}messages/?after={after}")

    def upload(self):
        pdf = self.rng.random() < 0.5
        file = ("scan.pdf", "application/pdf", TINY_PDF) if pdf else ("xray.png", "image/png", self.png)
        fields = {"title": "Old report", "category": "other", "document_date": "2024-01-15",
                  "source_name": "City Clinic"}
        if self.rng.random() < 0.5:
            answer = self.client.post_form("upload_api", "/api/v1/me/documents/", fields, files={"file": file},
                                           api=True, headers={"Accept": "application/json"})
            stored = answer is not None and answer.status == 201
        else:
            page = self.client.get("upload_page", "/me/records/upload/")
            if page is None:
                return
            answer = self.client.post_form("upload_form", "/me/records/upload/",
                                           {"csrfmiddlewaretoken": form_token(page), **fields}, files={"file": file})
            stored = answer is not None and answer.status == 302
        if stored:
            self.result.count(self.result.documents, self.seat.user_id)
        elif answer is not None:
            self.result.problem(f"upload: not stored ({answer.status}) {answer.text[:200]}")

    # Staff -----------------------------------------------------------------------------------------

    def staff_actions(self):
        if self.seat.role == "receptionist":
            return [(self.reception_board, 5), (self.desk_api, 3), (self.confirm_request, 2)]
        return [(self.doctor_queue, 5), (self.doctor_chats, 3)]

    def reception_board(self):
        self.client.get("reception_board", f"/manage/{self.seat.hospital_slug}/reception/?date={self._day()}")

    def desk_api(self):
        return self.client.get("desk_api", f"/api/v1/manage/{self.seat.hospital_slug}/appointments/?date={self._day()}",
                               api=True, headers={"Accept": "application/json"})

    def confirm_request(self):
        answer = self.desk_api()
        rows = answer.json().get("results", answer.json().get("items", [])) if answer else []
        requested = [row["id"] for row in rows if row.get("status") == "requested"]
        if not requested:
            return
        appointment_id = self.rng.choice(requested)
        confirmed = self.client.post_json(
            "confirm_api", f"/api/v1/manage/{self.seat.hospital_slug}/appointments/{appointment_id}/confirm/", {},
            clear=api_refusal)
        if confirmed is not None and confirmed.status == 200:
            with self.result._lock:
                self.result.confirmed.add(appointment_id)

    def doctor_queue(self):
        self.client.get("doctor_queue", f"/manage/{self.seat.hospital_slug}/queue/")

    def doctor_chats(self):
        self.client.get("chat_list", "/chat/")


def run_mixed_load(base_url: str, cast: Cast, *, clients: int, seconds: float, seed: int = 12) -> LoadResult:
    """``clients`` people (staff as in ``cast``, the rest patients) acting for ``seconds``; returns the result."""
    seats = (cast.staff + cast.patients)[:clients]
    result = LoadResult()
    result.started = time.perf_counter()
    deadline = time.monotonic() + seconds
    people = [Person(base_url, cast, seat, result, random.Random(seed + number)) for number, seat in enumerate(seats)]
    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(lambda person: person.run(deadline), people))
    result.finished = time.perf_counter()
    return result


def database_problems(cast: Cast, result: LoadResult) -> list[str]:
    """Read the database after a run: two active bookings of one slot, a booking or cancellation the server
    acknowledged that is not there, fewer documents or chat messages than were acknowledged."""
    from django.db import connection
    from django.db.models import Count

    from appointments.models import Appointment
    from chat.models import Message
    from records.models import MedicalDocument

    problems = []
    doubles = (Appointment.objects.active().values("membership_id", "date", "start_time")
               .annotate(n=Count("id")).filter(n__gt=1))
    problems += [f"two active bookings of one slot: {row}" for row in doubles]
    found = dict(Appointment.objects.filter(pk__in=result.booked).values_list("pk", "patient_id"))
    problems += [f"booking {pk} of patient {patient} is missing" for pk, patient in result.booked.items()
                 if found.get(pk) != patient]
    not_cancelled = Appointment.objects.filter(pk__in=result.cancelled).exclude(status=Appointment.Status.CANCELLED)
    problems += [f"cancelled booking {pk} is {status}" for pk, status in not_cancelled.values_list("pk", "status")]
    tokens = (Appointment.objects.filter(token_number__isnull=False).values("membership_id", "date", "token_number")
              .annotate(n=Count("id")).filter(n__gt=1))
    problems += [f"one token number given twice: {row}" for row in tokens]
    documents = dict(MedicalDocument.objects.filter(patient_id__in=result.documents).values("patient_id")
                     .annotate(n=Count("id")).values_list("patient_id", "n"))
    problems += [f"patient {pk}: {n} uploads acknowledged, {documents.get(pk, 0)} stored"
                 for pk, n in result.documents.items() if documents.get(pk, 0) < n]
    messages = dict(Message.objects.filter(conversation_id__in=result.messages).values("conversation_id")
                    .annotate(n=Count("id")).values_list("conversation_id", "n"))
    problems += [f"conversation {pk}: {n} messages acknowledged, {messages.get(pk, 0)} stored"
                 for pk, n in result.messages.items() if messages.get(pk, 0) < n]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            verdict = cursor.fetchone()[0]
        if verdict != "ok":
            problems.append(f"PRAGMA integrity_check: {verdict}")
    return problems


# --- The slot race ----------------------------------------------------------------------------------

def post_json(url: str, token: str, payload: dict) -> tuple[int, dict]:
    """POST ``payload`` with a token; (status, JSON body), status 0 when the server did not answer."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("POST", parts.path, body=json.dumps(payload).encode(), headers={
            "Content-Type": "application/json", "Authorization": f"Token {token}"})
        response = connection.getresponse()
        answer = Answer(response.status, {}, response.read())
    except (OSError, http.client.HTTPException) as error:
        return 0, {"error": f"{type(error).__name__}: {error}"}
    finally:
        connection.close()
    body = answer.json()
    return answer.status, body if body or answer.status < 500 else {"raw": answer.text[:200]}


def race_for_one_slot(base_url: str, tokens: list[str], payload: dict) -> list[tuple[int, dict, float]]:
    """Every token books ``payload`` at the same instant; [(status, body, seconds)] in token order."""
    start_together = Barrier(len(tokens))

    def book(token):
        start_together.wait()
        started = time.perf_counter()
        status, body = post_json(f"{base_url}/api/v1/me/appointments/", token, payload)
        return status, body, time.perf_counter() - started

    with ThreadPoolExecutor(len(tokens)) as pool:
        return list(pool.map(book, tokens))
