"""Logs as one JSON object per line, each carrying the request id it happened under.

The id comes from the HTTP request (nginx's ``X-Request-ID``) and travels with the work the
request causes: the jobs it enqueues (in the job's metadata) and the change events it
commits (the relay hands the ids to the realtime node with the batch that carries them).
So ``grep <id>`` over the API's, the worker's and the realtime node's logs follows one
change from the request to the browsers.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

#: The request id of the work this task is doing (None outside any request).
REQUEST_ID: ContextVar[str | None] = ContextVar("switchboard_request_id", default=None)
#: The header that carries it between processes (nginx sets it on every proxied request).
REQUEST_ID_HEADER = "x-request-id"
# A request id goes into every log line: a client-sent one is taken only if it is short and
# plain (no newlines, quotes or control characters to forge lines with).
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def clean_request_id(raw: str | bytes | None) -> str:
    """The request id to use for ``raw`` (a header value): itself if plain, else a new one."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    if text and _PLAIN_ID.fullmatch(text):
        return text
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the current one, or None) to every record a handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def json_formatter() -> JsonFormatter:
    """time, level, logger, message, request_id and any ``extra`` fields, as one JSON line."""
    return JsonFormatter(
        _FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
        json_ensure_ascii=False,
    )


def json_handler() -> logging.Handler:
    """A stderr handler writing JSON lines with the request id."""
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    return handler


def configure_json_logging(level: int | str = logging.INFO) -> None:
    """Make every logger of this process write JSON lines: the root's handlers are replaced,
    and uvicorn's own handlers (where it left any: ``--no-access-log`` leaves none) write
    JSON too."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler())
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(json_formatter())
            handler.addFilter(RequestIdFilter())


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn's ``--log-config``: JSON lines from its
    first line on (the supervising process's included)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "switchboard_shared.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "switchboard_shared.logs.json_formatter"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }
