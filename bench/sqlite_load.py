"""SQLite load benchmark: the slot race and the mixed load against a live Daphne on a SQLite file.

It makes a temporary folder with a fresh SQLite database (migrated), creates the load test's
people in it (tests/load.py: two hospitals, four doctors, receptionists, patients with tokens,
sessions and chats), starts Daphne on it as the tests do (tests/harness.py LiveServer: a file
database, tasks run in the request), and then

(a) runs ``--rounds`` races: ``--racers`` patients POST the same free slot at the same instant
    through the API (each round a new slot); every round must give one 201 and the rest 400
    "slot taken", no 5xx;
(b) runs the mixed load of ``make test``'s load test: ``--clients`` people for ``--seconds``.

It prints requests, req/s, status counts, the 5xx count and p50/p95/p99 per kind, checks the
database afterwards and the server log for tracebacks, and exits non-zero on any server error,
lost write or failed race.

    .venv/bin/python bench/sqlite_load.py                      # --rounds 10 --racers 20 --clients 50 --seconds 60
    .venv/bin/python bench/sqlite_load.py --rounds 0 --clients 100 --seconds 120 --keep
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="slot races (0: none)")
    parser.add_argument("--racers", type=int, default=20, help="patients racing for each slot")
    parser.add_argument("--clients", type=int, default=50, help="people in the mixed load (0: none)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the mixed load runs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, server log)")
    args = parser.parse_args(argv)
    if not 0 <= args.rounds <= 100 or not 2 <= args.racers <= 200 or not 0 <= args.clients <= 500:
        parser.error("--rounds 0..100, --racers 2..200, --clients 0..500")
    return args


def prepare(folder: Path) -> dict:
    """Point this process at a fresh SQLite file in ``folder`` and migrate it; return the server's settings."""
    database = folder / "bench.sqlite3"
    setup = {
        "database_url": f"sqlite:///{database}",
        "secret_key": "bench-" + secrets.token_urlsafe(48),
        "media_root": folder / "media", "private_media_root": folder / "private_media",
        "mail_dir": folder / "mail", "log_path": folder / "daphne.log",
    }
    os.environ.update({
        "DATABASE_URL": setup["database_url"], "DJANGO_SECRET_KEY": setup["secret_key"],
        "MEDIA_ROOT": str(setup["media_root"]), "PRIVATE_MEDIA_ROOT": str(setup["private_media_root"]),
        "HUEY_IMMEDIATE": "1", "DJANGO_DEBUG": "1", "DJANGO_DEBUG_TOOLBAR": "0",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return setup


def races(base_url: str, cast, rounds: int, racers: int) -> bool:
    from accounts.services import issue_api_token
    from accounts.tests.factories import PatientFactory
    from appointments.models import Appointment
    from appointments.services import SLOT_TAKEN
    from tests.load import percentile, race_for_one_slot

    practice = next(p for p in cast.practices if p.fee == 0)
    tokens = [issue_api_token(user=PatientFactory(password=None))[1] for _ in range(racers)]
    statuses, seconds, good_rounds = Counter(), [], 0
    for number in range(rounds):
        # Sixteen 15-minute slots a morning: each round its own slot, from the last booking day back.
        day = cast.days[-1 - number // 16]
        start = (timedelta(hours=9) + timedelta(minutes=15 * (number % 16)))
        payload = {"membership": practice.membership_id, "date": day.isoformat(),
                   "start_time": f"{start.seconds // 3600:02d}:{start.seconds % 3600 // 60:02d}",
                   "reason": "Racing for the last slot"}
        answers = race_for_one_slot(base_url, tokens, payload)
        codes = Counter(status for status, _, _ in answers)
        statuses.update(codes)
        seconds += [elapsed for _, _, elapsed in answers]
        refusals_clear = all(body.get("non_field_errors") == [SLOT_TAKEN] for status, body, _ in answers if status == 400)
        booked = Appointment.objects.filter(membership_id=practice.membership_id, date=day,
                                            start_time=clock(*map(int, payload["start_time"].split(":")))).active().count()
        good = codes == Counter({201: 1, 400: racers - 1}) and refusals_clear and booked == 1
        good_rounds += good
        print(f"race {number + 1:>3}: {dict(sorted(codes.items()))} · active bookings of the slot {booked}"
              + ("" if good else "  <-- WRONG"))
    if rounds:
        ms = sorted(value * 1000 for value in seconds)
        print(f"races: {good_rounds}/{rounds} rounds right · {sum(statuses.values())} requests · "
              f"statuses {dict(sorted(statuses.items()))} · 5xx {sum(n for s, n in statuses.items() if s >= 500)} · "
              f"latency p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
              f"p99 {percentile(ms, 0.99):.0f} ms")
    return good_rounds == rounds


def main(argv=None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="healthstack-sqlite-load-"))
    setup = prepare(folder)
    from tests.harness import LiveServer
    from tests.load import build_cast, database_problems, run_mixed_load

    staff = max(2, args.clients // 8)
    cast = build_cast(patients=max(args.clients - staff, 1), staff=staff)
    server = LiveServer(**setup).start()
    ok = True
    try:
        print(f"server {server.url} · SQLite file {folder / 'bench.sqlite3'} · {os.cpu_count()} CPUs")
        if args.rounds:
            ok &= races(server.url, cast, args.rounds, args.racers)
        if args.clients:
            log_start = server.log_path.stat().st_size
            started = time.monotonic()
            result = run_mixed_load(server.url, cast, clients=args.clients, seconds=args.seconds)
            print(f"mixed load: {args.clients} clients ({staff} staff) for {args.seconds:g} s "
                  f"(ran {time.monotonic() - started:.1f} s)")
            print(result.summary(percentiles=(0.50, 0.95, 0.99)))
            problems = database_problems(cast, result)
            with open(server.log_path, errors="replace") as log:
                log.seek(log_start)
                tracebacks = log.read().count("Traceback")
            print(f"database afterwards: {'consistent' if not problems else problems[:10]} · "
                  f"tracebacks in the server log: {tracebacks}")
            for problem in result.problems[:10]:
                print(f"  problem: {problem[:300]}")
            ok &= not (problems or tracebacks or result.problems)
    finally:
        server.stop()
        if args.keep:
            print(f"kept {folder}")
        else:
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
