"""uvicorn's access log without query values: searches, phone numbers and tokens stay out.

uvicorn writes the full path with its query string; the filter keeps each parameter's name
(useful when reading a log) and replaces its value.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
MASK = "***"
_PATH_ARG = 2  # uvicorn's access record args: client, method, path, http version, status


def mask_query_values(path: str) -> str:
    """``/x?q=anna&page=2`` -> ``/x?q=***&page=***``; a path without a query is unchanged."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    masked = (
        name + "=" + MASK if has_value else name
        for name, has_value, _ in (part.partition("=") for part in query.split("&"))
    )
    return base + "?" + "&".join(masked)


class MaskQueryValues(logging.Filter):
    """Rewrites the path argument of uvicorn's access log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG:
            path = args[_PATH_ARG]
            if isinstance(path, str):
                record.args = (*args[:_PATH_ARG], mask_query_values(path), *args[3:])
        return True


def mask_access_log_queries() -> None:
    """Install the filter once on uvicorn's access logger (each API process calls this)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, MaskQueryValues) for f in logger.filters):
        logger.addFilter(MaskQueryValues())
