"""Django's SQLite backend with one queue for writers inside each server process.

SQLite lets one writer in at a time, and a writer that finds the database busy polls for it
(sleeping up to 100 ms between tries) until the busy timeout. The polling is not fair: under
load, with dozens of request threads in one Daphne process sharing the GIL, newcomers keep
taking the lock between a waiter's polls, and a waiter can miss it for the whole busy timeout
and fail with "database is locked" (a 500). Here, when write transactions begin IMMEDIATE
(settings: SQLITE_TRANSACTION_MODE), the threads of one process wait for a transaction of
their own on a lock instead, in the order they came, each woken as soon as it is its turn; SQLite's busy timeout still arbitrates
between processes (the task consumer, management commands). The wait is bounded by the same
busy timeout and ends in the same "database is locked" error.
"""

import threading
from collections import deque

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class FairLock:
    """A lock handed to its waiters in the order they asked for it."""

    def __init__(self):
        self._guard = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by release()
        with self._guard:
            if turn in self._waiters:
                self._waiters.remove(turn)
                return False
        return True  # handed over just as the wait ran out: it is ours

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


_writer_locks: dict[str, FairLock] = {}
_writer_locks_guard = threading.Lock()


def writer_lock(database_name: str) -> FairLock:
    """The lock the writers of this process take for ``database_name`` (one per database file)."""
    with _writer_locks_guard:
        return _writer_locks.setdefault(str(database_name), FairLock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def _queues_writers(self) -> bool:
        mode = getattr(self, "transaction_mode", None)
        return mode in ("IMMEDIATE", "EXCLUSIVE") and not self.is_in_memory_db()

    def _start_transaction_under_autocommit(self):
        if not self._queues_writers():
            return super()._start_transaction_under_autocommit()
        lock = writer_lock(self.settings_dict["NAME"])
        if not lock.acquire(timeout=self.settings_dict["OPTIONS"].get("timeout", 5)):
            raise OperationalError("database is locked")
        self._holds_writer_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self):
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            writer_lock(self.settings_dict["NAME"]).release()

    def _set_autocommit(self, autocommit):
        # Back in autocommit: the transaction is committed or rolled back.
        try:
            super()._set_autocommit(autocommit)
        finally:
            if autocommit:
                self._release_writer_lock()

    def _close(self):
        # Closing the connection ends its transaction.
        try:
            super()._close()
        finally:
            self._release_writer_lock()
