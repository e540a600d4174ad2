"""Jobs that wait for something expected say so, and the log says it quietly.

SAQ logs every failed attempt with ``logger.exception`` (ERROR and a traceback), also one it
will retry. For a job that is merely early (the PBX is still storing a recording, a call's
events have not arrived yet) that is an alarm per retry for nothing; such jobs raise a
:class:`RetryLater`, and :class:`QuietExpectedRetries` turns those records into one WARNING
line. Every other failure keeps its ERROR and traceback.
"""

from __future__ import annotations

import logging

from saq.job import Job


class RetryLater(Exception):
    """The job ran too early for something that is on its way: SAQ retries it with backoff."""


class QuietExpectedRetries(logging.Filter):
    """On SAQ's logger: a failed attempt whose exception is a :class:`RetryLater` becomes a
    WARNING without traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, RetryLater):
            if isinstance(record.args, tuple):
                # A job's full form carries the previous attempt's traceback (its ``error``):
                # the short form (function, key, attempts) keeps this to one line.
                record.args = tuple(
                    arg.info(full=False) if isinstance(arg, Job) else arg for arg in record.args
                )
            record.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc} (retrying)"
            record.args = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    """Quiet SAQ's logging of expected retries (once per process)."""
    saq_log = logging.getLogger("saq")
    if not any(isinstance(f, QuietExpectedRetries) for f in saq_log.filters):
        saq_log.addFilter(QuietExpectedRetries())
