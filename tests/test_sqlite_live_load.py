"""Fifty people using a live Daphne server on the default SQLite file database (as ``make run``
serves it) for a minute: patients booking, cancelling, reading, chatting and uploading, staff
reading their boards and confirming. No server error, no lost write, no double booking."""

import pytest
from django.db import connection

from tests.load import build_cast, database_problems, run_mixed_load

pytestmark = pytest.mark.django_db(transaction=True)
CLIENTS = 50
SECONDS = 60
STAFF = 6


def test_fifty_clients_for_a_minute_on_sqlite_get_no_server_error_and_lose_no_write(live_server_url, _live_server):
    if not connection.vendor == "sqlite":
        pytest.skip("this is the default SQLite database's load test")
    cast = build_cast(patients=CLIENTS - STAFF, staff=STAFF)
    log_start = _live_server.log_path.stat().st_size

    result = run_mixed_load(live_server_url, cast, clients=CLIENTS, seconds=SECONDS)

    print(f"\nmixed load, {CLIENTS} clients for {SECONDS} s on SQLite:\n{result.summary()}")
    assert result.server_errors == 0, result.problems[:20]
    assert result.connection_errors == 0, result.problems[:20]
    assert result.problems == [], result.problems[:20]
    assert result.booked and result.cancelled and result.documents and result.messages, result.summary()
    assert database_problems(cast, result) == []
    with open(_live_server.log_path, errors="replace") as log:
        log.seek(log_start)
        server_log = log.read()
    assert "Traceback" not in server_log, server_log[server_log.find("Traceback"):][:3000]
