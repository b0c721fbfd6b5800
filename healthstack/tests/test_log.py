"""The log lines of `make run` read one clock: the process's zone, named on every line."""

import logging
import logging.config
import time
from datetime import datetime, timezone as dt_timezone, UTC

import pytest
from django.conf import settings


@pytest.fixture
def process_zone(monkeypatch):
    """Set the zone of this process (what TZ, which Django sets to TIME_ZONE, does); put it back after."""
    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def _line_of_settings_formatter(message: str, created: datetime) -> str:
    configurator = logging.config.DictConfigurator(settings.LOGGING)  # works on a copy of the settings
    formatter = configurator.configure_formatter(configurator.config["formatters"]["plain"])
    record = logging.LogRecord("daphne.server", logging.INFO, __file__, 1, message, None, None)
    record.created, record.msecs = created.timestamp(), created.microsecond // 1000
    return formatter.format(record)


@pytest.mark.parametrize(("zone", "stamp"), [
    ("Asia/Dhaka", "2026-12-04 22:07:07.961+06:00"),
    ("UTC", "2026-12-04 16:07:07.961+00:00"),
])
def test_a_log_line_gives_the_time_of_the_process_zone_and_names_its_offset(process_zone, zone, stamp):
    process_zone(zone)

    line = _line_of_settings_formatter("Listening", datetime(2026, 12, 4, 16, 7, 7, 961000, tzinfo=UTC))

    assert line == f"{stamp} INFO daphne.server Listening"
