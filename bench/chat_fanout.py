"""Chat fan-out benchmark: N websockets against a running HealthStack server on loopback.

It creates (idempotently, through the ORM, in the database the server uses) one bench doctor,
``--rooms`` patients with an appointment each and their conversations, signs every bench user
in (Django sessions), opens ``--sockets`` chat sockets spread evenly over the rooms (half as
the patient, half as the doctor, like several open tabs), sends ``--messages`` messages
round-robin from every socket at ``--rate`` per second (under the per-socket limit of 5 in
5 s), and measures, for every socket that should receive a message, the time from send to
arrival. Prints p50 / p95 / max delivery latency and messages and deliveries per second.

Bounded: at most 2,000 sockets and 20,000 messages; gives up after ``--timeout`` seconds.

    DATABASE_URL=... .venv/bin/python bench/chat_fanout.py --url http://127.0.0.1:8000
    .venv/bin/python bench/chat_fanout.py --cleanup      # delete the bench users and their chats
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BENCH_DOMAIN = "chat-bench.test"
BENCH_HOSPITAL = "chat-bench-hospital"
MAX_SOCKETS = 2000
MAX_MESSAGES = 20000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server (loopback)")
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--rooms", type=int, default=20, help="conversations the sockets are spread over")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--rate", type=float, default=40.0, help="messages sent per second, all sockets together")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this many seconds")
    parser.add_argument("--cleanup", action="store_true", help="delete the bench data and exit")
    args = parser.parse_args(argv)
    host = urlsplit(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the benchmark only runs against a server on loopback")
    if not 2 <= args.sockets <= MAX_SOCKETS or not 1 <= args.messages <= MAX_MESSAGES:
        parser.error(f"--sockets 2..{MAX_SOCKETS}, --messages 1..{MAX_MESSAGES}")
    args.rooms = max(1, min(args.rooms, args.sockets // 2))
    per_socket_rate = args.rate / args.sockets
    if per_socket_rate > 0.9:  # the server allows 5 messages in 5 s per socket
        parser.error("--rate too high for that many sockets (each may send at most 1 message a second)")
    return args


# --- Setup through the ORM --------------------------------------------------------------------

def setup(rooms: int) -> tuple[list[tuple[int, str, str]], dict]:
    """Create the bench people and conversations; return [(conversation id, patient cookie, doctor cookie)]."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test import Client

    from accounts.models import DoctorProfile, PatientProfile, User
    from appointments.models import Appointment
    from chat.models import Conversation, Message
    from hospitals.models import Department, Hospital, Membership

    with transaction.atomic():
        hospital, _ = Hospital.objects.get_or_create(slug=BENCH_HOSPITAL, defaults={
            "name": "Chat Bench Hospital", "city": "Dhaka", "address": "Loopback", "phone": "+8801000000000",
            "email": f"desk@{BENCH_DOMAIN}", "status": Hospital.Status.APPROVED,
        })
        department, _ = Department.objects.get_or_create(hospital=hospital, slug="medicine",
                                                         defaults={"name": "Medicine"})
        doctor = _user(User, f"doctor@{BENCH_DOMAIN}", "Bench Doctor")
        DoctorProfile.objects.get_or_create(user=doctor, defaults={
            "specialisation": "Medicine", "qualifications": "MBBS", "registration_number": "BENCH-CHAT-1"})
        membership, _ = Membership.objects.get_or_create(user=doctor, hospital=hospital, role=Membership.Role.DOCTOR,
                                                         defaults={"department": department,
                                                                   "status": Membership.Status.APPROVED})
        first_day = hospital.created_at.date() + timedelta(days=1)
        conversation_ids = []
        for number in range(rooms):
            patient = _user(User, f"patient{number}@{BENCH_DOMAIN}", f"Bench Patient {number}")
            PatientProfile.objects.get_or_create(user=patient, defaults={"patient_number": f"B{number:09d}"})
            Appointment.objects.get_or_create(
                membership=membership, patient=patient,
                defaults={"hospital": hospital, "date": first_day + timedelta(days=number), "start_time": clock(9),
                          "end_time": clock(9, 15), "reason": "Benchmark", "status": Appointment.Status.REQUESTED},
            )
            conversation, _ = Conversation.objects.get_or_create(patient=patient, doctor=doctor)
            conversation_ids.append((conversation.pk, patient))
        Message.objects.filter(conversation__doctor=doctor).delete()

    def cookie(user):
        client = Client()
        client.force_login(user)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    doctor_cookie = cookie(doctor)
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    info = {"database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1], "layer_of_this_process": layer}
    return [(pk, cookie(patient), doctor_cookie) for pk, patient in conversation_ids], info


def _user(User, email, name):
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, full_name=name)
    return user


def cleanup() -> None:
    import django

    django.setup()
    from accounts.models import User
    from appointments.models import Appointment
    from chat.models import Conversation
    from hospitals.models import Hospital

    users = User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
    Conversation.objects.filter(doctor__in=users).delete()
    Appointment.objects.filter(hospital__slug=BENCH_HOSPITAL).delete()
    Hospital.objects.filter(slug=BENCH_HOSPITAL).delete()
    print(f"deleted {users.delete()[0]} bench rows")


# --- The load -----------------------------------------------------------------------------------

class Run:
    def __init__(self, expected_per_message: dict[int, int]):
        self.sent_at: dict[str, float] = {}
        self.room_of: dict[str, int] = {}
        self.latencies: list[float] = []
        self.expected = 0
        self.expected_per_room = expected_per_message
        self.errors: list[str] = []
        self.all_delivered = asyncio.Event()
        self.last_at = 0.0

    def delivered(self, tag: str, now: float) -> None:
        sent = self.sent_at.get(tag)
        if sent is None:
            return
        self.latencies.append(now - sent)
        self.last_at = now
        if len(self.latencies) >= self.expected and self.expected:
            self.all_delivered.set()


async def reader(ws, run: Run):
    try:
        async for raw in ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") == "message":
                body = frame["message"]["body"]
                if body.startswith("bench "):
                    run.delivered(body.split(" ", 2)[1], now)
            elif frame.get("type") == "error":
                run.errors.append(frame.get("code", "?"))
    except Exception as error:  # a dropped socket shows as missing deliveries
        run.errors.append(type(error).__name__)


async def load(args, rooms):
    from websockets.asyncio.client import connect

    base = urlsplit(args.url)
    ws_base = f"{'wss' if base.scheme == 'https' else 'ws'}://{base.netloc}"
    plan = []  # (room index, conversation id, cookie)
    for index in range(args.sockets):
        room = index % len(rooms)
        conversation_id, patient_cookie, doctor_cookie = rooms[room]
        as_patient = (index // len(rooms)) % 2 == 0
        plan.append((room, conversation_id, patient_cookie if as_patient else doctor_cookie))
    per_room = {}
    for room, _, _ in plan:
        per_room[room] = per_room.get(room, 0) + 1
    run = Run(per_room)

    gate = asyncio.Semaphore(50)

    async def open_one(conversation_id, cookie):
        async with gate:
            return await connect(f"{ws_base}/ws/chat/{conversation_id}/", origin=args.url,
                                 additional_headers={"Cookie": cookie}, open_timeout=20, max_queue=None)

    started = time.perf_counter()
    sockets = await asyncio.gather(*(open_one(cid, cookie) for _, cid, cookie in plan))
    opened = time.perf_counter() - started
    readers = [asyncio.create_task(reader(ws, run)) for ws in sockets]

    run.expected = sum(per_room[plan[i % len(plan)][0]] for i in range(args.messages))
    interval = 1.0 / args.rate
    send_started = time.perf_counter()
    for number in range(args.messages):
        room, _, _ = plan[number % len(plan)]
        tag = f"m{number}"
        run.sent_at[tag] = time.perf_counter()
        await sockets[number % len(plan)].send(json.dumps({"type": "message", "body": f"bench {tag} fan-out"}))
        pause = send_started + (number + 1) * interval - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
    try:
        await asyncio.wait_for(run.all_delivered.wait(), timeout=max(5.0, args.timeout - (time.perf_counter() - started)))
    except TimeoutError:
        pass
    finished = run.last_at or time.perf_counter()
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return run, opened, finished - send_started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.cleanup:
        cleanup()
        return 0
    rooms, info = setup(args.rooms)
    run, opened, elapsed = asyncio.run(asyncio.wait_for(load(args, rooms), timeout=args.timeout + 30))
    got = len(run.latencies)
    print(f"server {args.url} · database {info['database']} · {args.sockets} sockets in {len(rooms)} rooms "
          f"({args.sockets // len(rooms)} per room) opened in {opened:.2f} s")
    print(f"sent {args.messages} messages at {args.rate:g}/s · deliveries {got}/{run.expected}"
          + (f" · errors: {', '.join(sorted(set(run.errors)))}" if run.errors else ""))
    if got:
        ms = [value * 1000 for value in run.latencies]
        print(f"delivery latency ms: p50 {percentile(ms, 0.50):.1f} · p95 {percentile(ms, 0.95):.1f} · "
              f"max {max(ms):.1f} · mean {statistics.fmean(ms):.1f}")
        print(f"throughput: {args.messages / elapsed:.1f} messages/s saved and fanned out, "
              f"{got / elapsed:.0f} deliveries/s, over {elapsed:.2f} s")
    return 0 if got == run.expected else 1


if __name__ == "__main__":
    sys.exit(main())
