"""The call history (reference §4, ``stats/request`` -> ``stats/result``): a report of the
calls of a period, asked for by key and served as ``;``-separated CSV, one call a line.

Both sides use :data:`HISTORY_FIELDS` and the helpers here, so the simulator writes exactly
what the API's adapter reads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from switchboard_shared.mango.codec import MangoPayload

HISTORY_FIELDS = (
    "entry_id",
    "start",
    "finish",
    "answer",
    "from_extension",
    "from_number",
    "to_extension",
    "to_number",
    "disconnect_reason",
    "line_number",
    "records",
)
"""The columns we ask for, in order (``fields`` of :class:`StatsRequest`)."""


class StatsRequest(MangoPayload, kw_only=True):
    """``stats/request``: the calls between two Unix times."""

    date_from: int
    date_to: int
    fields: str | None = None
    """Comma-separated column names; Mango's default set if absent."""
    request_id: str | None = None


class StatsKey(MangoPayload, kw_only=True):
    """The reply of ``stats/request`` and the body of ``stats/result``."""

    key: str


def write_history(rows: Iterable[Mapping[str, object]], fields: Iterable[str]) -> str:
    """Calls as Mango's CSV: ``;``-separated, no header, the requested columns in order."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    columns = list(fields)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return out.getvalue()


def read_history(text: str, fields: Iterable[str] = HISTORY_FIELDS) -> list[dict[str, str]]:
    """Mango's CSV back to one dict per call (empty lines skipped, short lines padded)."""
    columns = list(fields)
    rows = []
    for values in csv.reader(io.StringIO(text), delimiter=";"):
        if not any(v.strip() for v in values):
            continue
        rows.append(
            {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns)}
        )
    return rows
