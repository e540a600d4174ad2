"""An expected retry (a job that ran early) is one WARNING line; real failures stay ERRORs."""

from __future__ import annotations

import logging

import pytest
from saq.job import Job

from switchboard_api.platform import retry
from switchboard_api.telephony.provider_interface import RecordingNotReady
from switchboard_api.telephony.recordings import CallNotYetKnown

SAQ = logging.getLogger("saq")


def _fail_as_saq_does(exc: Exception) -> None:
    try:
        raise exc
    except Exception:
        SAQ.exception("Error processing job %s", "Job<telephony_ingest_recording>")


@pytest.mark.parametrize(
    "early", [RecordingNotReady("recording r1 is not ready"), CallNotYetKnown("no call yet")]
)
def test_a_job_that_ran_early_is_one_warning_line(
    early: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    retry.install()
    retry.install()  # idempotent: one filter
    assert sum(isinstance(f, retry.QuietExpectedRetries) for f in SAQ.filters) == 1
    with caplog.at_level(logging.INFO, logger="saq"):
        _fail_as_saq_does(early)
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "Job<telephony_ingest_recording>" in record.getMessage()
    assert str(early) in record.getMessage()
    assert "Traceback" not in caplog.text


def test_a_retried_job_is_still_one_line_without_the_last_attempts_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    retry.install()
    job = Job(
        function="telephony_ingest_recording",
        kwargs={"provider": "mango", "recording_id": "r1"},
        key="recording:mango:r1",
        attempts=2,
        error='Traceback (most recent call last):\n  File "x.py", line 1\nRecordingNotReady',
    )
    with caplog.at_level(logging.INFO, logger="saq"):
        try:
            raise RecordingNotReady("recording r1 is not ready")
        except Exception:
            SAQ.exception("Error processing job %s", job)
    (record,) = caplog.records
    message = record.getMessage()
    assert record.levelno == logging.WARNING
    assert "\n" not in message
    assert "Traceback" not in caplog.text
    assert "recording:mango:r1" in message
    assert "attempts: 2" in message
    assert "recording r1 is not ready" in message


def test_any_other_failure_keeps_its_error_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    retry.install()
    with caplog.at_level(logging.INFO, logger="saq"):
        _fail_as_saq_does(ValueError("a real bug"))
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "Traceback" in caplog.text
