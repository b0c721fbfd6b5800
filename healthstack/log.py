"""Logging pieces named in settings.LOGGING."""

import logging


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
