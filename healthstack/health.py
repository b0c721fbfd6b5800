"""What /healthz reports: each part the site runs on, and whether the site as a whole can serve.

The database is required: without it the answer is 503 ("error"). The cache, the channel layer
and the task queue are not: when one is down (Redis stopped while REDIS_URL is set) or no
consumer has beaten for ``CONSUMER_STALE_SECONDS``, the answer is 200 "degraded": pages work,
live updates fall back to reloading, emails wait in the outbox.
"""

import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from . import realtime

CONSUMER_STALE_SECONDS = 150  # the heartbeat runs every minute


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return {"state": "down", "error": type(error).__name__}
    return {"state": "ok", "engine": connection.vendor}


def _cache() -> dict:
    key, value = f"healthz:{uuid.uuid4().hex}", "1"
    try:
        cache.set(key, value, timeout=5)
        ok = cache.get(key) == value
        cache.delete(key)
    except Exception as error:
        return {"state": "down", "error": type(error).__name__}
    return {"state": "ok" if ok else "down"}


def _channel_layer() -> dict:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    ok = realtime.send_now("healthz", "healthz.probe")
    return {"state": "ok" if ok else "down", "backend": backend}


def _task_queue() -> dict:
    from huey.contrib.djhuey import HUEY

    from .tasks import last_heartbeat

    if HUEY.immediate:
        return {"state": "ok", "mode": "immediate"}
    try:
        pending, beat = HUEY.pending_count(), last_heartbeat()
    except Exception as error:
        return {"state": "down", "error": type(error).__name__}
    age = None if beat is None else round(time.time() - beat)
    state = "ok" if age is not None and age <= CONSUMER_STALE_SECONDS else "no consumer"
    return {"state": state, "pending": pending, "last_heartbeat_seconds_ago": age,
            "storage": type(HUEY.storage).__name__}


def check() -> tuple[int, dict]:
    """(HTTP status, body) for /healthz."""
    parts = {"database": _database(), "cache": _cache(), "channel_layer": _channel_layer(),
             "task_queue": _task_queue()}
    if parts["database"]["state"] != "ok":
        return 503, {"status": "error", **parts}
    healthy = all(part["state"] == "ok" for part in parts.values())
    return 200, {"status": "ok" if healthy else "degraded", **parts}
