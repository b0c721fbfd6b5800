"""Logging pieces named in settings.LOGGING."""

import logging
from datetime import datetime


class ClientErrorsOnOneLine(logging.Filter):
    """Drop the traceback from 4xx records of ``django.request``.

    A 403 or 400 is the visitor's mistake or a guard doing its job, not a bug: one line
    (status, path) says everything, and a busy site would otherwise log a traceback for each.
    Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class LocalTimeFormatter(logging.Formatter):
    """Stamp a line with the local time and its offset: ``2026-12-04 22:07:07.961+06:00``.

    Django sets the process's zone to TIME_ZONE, so Daphne's access lines and these already
    agree; `make run` gives honcho the same zone, so its prefix does too. The offset tells a
    reader which zone that is, whatever the machine's own clock says.
    """

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).astimezone().isoformat(sep=" ", timespec="milliseconds")
