"""Writers of one process take turns on the SQLite database instead of failing "database is locked".

SQLite's busy handler polls, and under contention a writer can miss its turn for the whole busy
timeout; the backend in healthstack/db/sqlite3 queues the threads of a process on a lock.
"""

import threading
import time

from django.db import OperationalError
from django.db.utils import ConnectionHandler

WRITERS = 12
TRANSACTIONS_EACH = 10
HOLD_SECONDS = 0.01  # each transaction keeps the write lock this long
BUSY_TIMEOUT_SECONDS = 0.4  # well over the 0.12 s a fair turn takes, far under everyone's total 1.2 s


def test_twelve_threads_writing_at_once_all_commit_within_a_short_busy_timeout(tmp_path, django_db_blocker):
    # A database file of its own (not the test database), through the project's SQLite backend.
    django_db_blocker.unblock()
    handler = ConnectionHandler({"default": {
        "ENGINE": "healthstack.db.sqlite3", "NAME": str(tmp_path / "writers.sqlite3"),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": BUSY_TIMEOUT_SECONDS,
                    "init_command": "PRAGMA journal_mode=WAL;"},
    }})
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE visit (writer INTEGER, number INTEGER)")
    handler["default"].close()
    failures, start_together = [], threading.Barrier(WRITERS)

    def write(writer):
        connection = handler["default"]  # this thread's own connection
        start_together.wait()
        for number in range(TRANSACTIONS_EACH):
            try:
                # What transaction.atomic() does around its outermost block.
                connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
                connection.cursor().execute("INSERT INTO visit VALUES (%s, %s)", [writer, number])
                time.sleep(HOLD_SECONDS)
                connection.commit()
            except OperationalError as error:
                failures.append(str(error))
                connection.rollback()
            finally:
                connection.set_autocommit(True)
        connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert failures == []
    with handler["default"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM visit")
        assert cursor.fetchone()[0] == WRITERS * TRANSACTIONS_EACH
    handler["default"].close()
    django_db_blocker.restore()
