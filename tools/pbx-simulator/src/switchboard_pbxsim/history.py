"""The PBX's call history: every call the simulator played, as ``stats/request`` and
``stats/result`` report them (including calls whose webhooks were never delivered)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from switchboard_pbxsim.calls import CallRun
from switchboard_pbxsim.directory import PbxError
from switchboard_shared.mango import HISTORY_FIELDS, ResultCode, StatsRequest, write_history

MAX_REPORTS = 100


@dataclass(frozen=True, slots=True)
class Report:
    """A requested report: the period and the columns asked for."""

    date_from: int
    date_to: int
    fields: tuple[str, ...]


def history_row(run: CallRun) -> dict[str, object] | None:
    """One played call as a line of the history (None if it has no summary: a refused
    click-to-call never became a call)."""
    summary = run.final
    if summary is None:
        return None
    return {
        "entry_id": summary.entry_id,
        "start": summary.create_time,
        "finish": summary.end_time,
        "answer": summary.talk_time if summary.answered else 0,
        "from_extension": summary.from_.extension,
        "from_number": summary.from_.number,
        "to_extension": summary.to.extension,
        "to_number": summary.to.number,
        "disconnect_reason": summary.disconnect_reason,
        "line_number": summary.line_number,
        "records": run.recording_id,
    }


class CallHistory:
    """Reports asked for by ``stats/request``, served by key from ``stats/result``."""

    def __init__(self) -> None:
        self._reports: dict[str, Report] = {}

    def request(self, body: StatsRequest) -> str:
        """Remember the report; its key."""
        fields = tuple(f.strip() for f in (body.fields or ",".join(HISTORY_FIELDS)).split(","))
        unknown = [f for f in fields if f not in HISTORY_FIELDS]
        if unknown or body.date_to < body.date_from:
            raise PbxError(ResultCode.PARAMETER_WRONG_FORMAT, f"bad stats request: {unknown}")
        while len(self._reports) >= MAX_REPORTS:
            self._reports.pop(next(iter(self._reports)))
        key = secrets.token_hex(16)
        self._reports[key] = Report(body.date_from, body.date_to, fields)
        return key

    def result(self, key: str, runs: Iterable[CallRun]) -> str | None:
        """The report's CSV (None for an unknown key): calls that started in its period."""
        report = self._reports.get(key)
        if report is None:
            return None
        rows = [
            row
            for row in (history_row(run) for run in runs)
            if row is not None and report.date_from <= int(str(row["start"])) <= report.date_to
        ]
        return write_history(rows, report.fields)
