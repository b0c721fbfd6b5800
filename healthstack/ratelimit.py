"""Counting uses of something per key in fixed windows of time, in the cache.

A window is ``window_seconds`` long and starts at a multiple of it (Unix time): every key's count
starts again at the same instants. Counts live in the cache (Redis with ``REDIS_URL``, so every
process shares them; otherwise each process counts its own). Keys are hashed, so no email or
address is stored in the cache.
"""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Use:
    count: int
    limit: int
    retry_after: int  # seconds until this window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


def count_use(*, scope: str, key: str, limit: int, window_seconds: int, now: float | None = None) -> Use:
    """Count one use of ``key`` in ``scope`` in the current window; allowed while the count is within ``limit``."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    retry_after = max(1, int((window + 1) * window_seconds - now))
    cache.add(cache_key, 0, timeout=retry_after + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # it expired between the two calls: this use opens the count
        cache.set(cache_key, 1, timeout=retry_after + 1)
        count = 1
    return Use(count=count, limit=limit, retry_after=retry_after)
