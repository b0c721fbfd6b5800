"""Mail-outage benchmark: do pages slow down, and are emails lost, while the mail server is down?

Builds its own SQLite file database in a temporary folder (migrate, one hospital, one doctor with
free slots, patients with API tokens), then for each scenario starts Daphne exactly as `make run`
does (plus a Huey consumer where the scenario has one) and books appointments through the JSON
API, timing each request. Every booking writes two emails (patient and doctor).

Scenarios:
  up        the mail server answers; emails go through the outbox and the consumer
  down      the mail server accepts connections and never answers (the worst kind of down:
            every attempt waits EMAIL_TIMEOUT); after --outage seconds it comes back, and the
            benchmark waits until every email has arrived and counts duplicates
  inline    the same dead server with each email sent inside the request (HUEY_IMMEDIATE=1),
            which is how email worked before the outbox

    .venv/bin/python bench/mail_outage.py                    # --bookings 20 --outage 60 --email-timeout 5
"""

import argparse
import atexit
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="healthstack-mail-bench-"))
SECRET = "mail-outage-bench-secret-key-of-fifty-or-more-characters-xx"
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{TMP / 'db.sqlite3'}",
    "DJANGO_SECRET_KEY": SECRET, "HUEY_DATABASE": str(TMP / "tasks.sqlite3"), "DJANGO_DEBUG_TOOLBAR": "0",
})


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=20, help="bookings in the 'up' and 'down' scenarios")
    parser.add_argument("--inline-bookings", type=int, default=3, help="bookings in the 'inline' scenario")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the mail server stays down")
    parser.add_argument("--email-timeout", type=int, default=5, help="EMAIL_TIMEOUT for every scenario")
    return parser.parse_args()


class Mailbox:
    def __init__(self):
        self.ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.ids.append(next(line.split(":", 1)[1].strip() for line in envelope.content.decode().splitlines()
                             if line.lower().startswith("message-id:")))
        return "250 OK"


class Blackhole:
    """A mail server that accepts connections and never says a word."""

    def __init__(self, port: int):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(100)
        self.held, self.open = [], True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.open:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.open = False
        for connection in self.held:
            connection.close()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which lets go of the port
        except OSError:
            pass
        self.sock.close()
        time.sleep(0.2)


def setup(count: int):
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.services import issue_api_token
    from accounts.tests.factories import PatientFactory
    from appointments.slots import local_now
    from appointments.tests.factories import ScheduleRuleFactory
    from hospitals.tests.factories import MembershipFactory

    membership = MembershipFactory(consultation_fee=0)
    for weekday in range(7):
        ScheduleRuleFactory(membership=membership, weekday=weekday, slot_minutes=15)
    first = local_now(membership.hospital).date() + timedelta(days=1)
    slots = [(first + timedelta(days=d), f"{9 + m // 4:02d}:{m % 4 * 15:02d}") for d in range(6) for m in range(16)]
    tokens = [issue_api_token(user=PatientFactory())[1] for _ in range(count)]
    return membership.pk, slots, tokens


def book(url, token, membership, day, start) -> tuple[int, float]:
    payload = {"membership": membership, "date": day.isoformat(), "start_time": start, "reason": "Bench visit"}
    request = urllib.request.Request(f"{url}/api/v1/me/appointments/", data=json.dumps(payload).encode(),
                                     method="POST", headers={"Content-Type": "application/json",
                                                             "Authorization": f"Token {token}"})
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - began) * 1000


def run_scenario(name, *, env, consumer: bool, membership, slots, tokens):
    from tests.harness import LiveServer

    server = LiveServer(database_url=os.environ["DATABASE_URL"], media_root=TMP / "media",
                        private_media_root=TMP / "private", mail_dir=TMP / "mail", log_path=TMP / f"{name}.log",
                        secret_key=SECRET, extra_env=env).start()
    worker = None
    atexit.register(server.stop)  # whatever goes wrong later, no server or consumer outlives the bench
    if consumer:
        worker = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--workers", "2", "-q"], cwd=ROOT,
                                  env={**server.env, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(worker.kill)
    timings, statuses = [], []
    try:
        for token in tokens:
            day, start = slots.pop(0)
            status, ms = book(server.url, token, membership, day, start)
            statuses.append(status)
            timings.append(ms)
        return server, worker, statuses, timings
    except BaseException:
        server.stop()
        if worker:
            worker.kill()
        raise


def summary(name, statuses, timings) -> str:
    timings = sorted(timings)
    p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
    return (f"{name:<8} bookings={len(timings):>3}  201s={statuses.count(201):>3}  "
            f"p50={statistics.median(timings):8.1f} ms  p95={p95:8.1f} ms  max={timings[-1]:8.1f} ms")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    args = parse_args()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    from aiosmtpd.controller import Controller

    membership, slots, tokens = setup(args.bookings)
    import django.db

    from healthstack.models import OutgoingEmail

    common = {"HUEY_IMMEDIATE": "0", "EMAIL_TIMEOUT": str(args.email_timeout), "EMAIL_RETRY_BASE_SECONDS": "2",
              "EMAIL_RETRY_MAX_SECONDS": "10", "EMAIL_CLAIM_SECONDS": str(args.email_timeout * 3)}
    lines = []

    # Mail up.
    port, mailbox = free_port(), Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    server, worker, statuses, timings = run_scenario("up", env={**common, "EMAIL_URL": f"smtp://127.0.0.1:{port}"},
                                                     consumer=True, membership=membership, slots=slots,
                                                     tokens=tokens)
    lines.append(summary("up", statuses, timings))
    deadline = time.monotonic() + 120
    while OutgoingEmail.objects.exclude(status="sent").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    server.stop(), worker.kill(), smtp.stop()
    django.db.connections.close_all()

    # Mail down for --outage seconds, then back on the same port.
    before = set(OutgoingEmail.objects.values_list("pk", flat=True))
    port = free_port()
    hole = Blackhole(port)
    began = time.monotonic()
    server, worker, statuses, timings = run_scenario("down", env={**common, "EMAIL_URL": f"smtp://127.0.0.1:{port}"},
                                                     consumer=True, membership=membership, slots=slots,
                                                     tokens=tokens)
    lines.append(summary("down", statuses, timings))
    time.sleep(max(0.0, args.outage - (time.monotonic() - began)))
    written = OutgoingEmail.objects.exclude(pk__in=before)
    failed_attempts = sum(written.values_list("attempts", flat=True))
    hole.close()
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    back = time.monotonic()
    while written.exclude(status="sent").exists() and time.monotonic() < back + 300:
        time.sleep(0.5)
    after_back = time.monotonic() - back
    time.sleep(3)
    expected = written.count()
    lines.append(f"         outage {args.outage:.0f} s: {expected} emails written, {failed_attempts} failed attempts "
                 f"while down; after the server came back all {sum(1 for _ in mailbox.ids)} arrived in "
                 f"{after_back:.1f} s, duplicates={len(mailbox.ids) - len(set(mailbox.ids))}, "
                 f"lost={expected - len(set(mailbox.ids))}")
    server.stop(), worker.kill(), smtp.stop()
    django.db.connections.close_all()

    # The old way: the email is sent inside the request, to the same dead server.
    port = free_port()
    hole = Blackhole(port)
    _, _, statuses, timings = (lambda result: (result[0].stop(), None, result[2], result[3]))(
        run_scenario("inline", env={**common, "HUEY_IMMEDIATE": "1", "EMAIL_URL": f"smtp://127.0.0.1:{port}"},
                     consumer=False, membership=membership, slots=slots, tokens=tokens[:args.inline_bookings]))
    hole.close()
    lines.append(summary("inline", statuses, timings))

    print(f"mail-outage benchmark (SQLite file, Daphne, EMAIL_TIMEOUT={args.email_timeout} s); booking POST latency:")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
