"""The API's access log (uvicorn's, as the production image runs it) keeps query values out:
a search term or phone number in a URL never reaches the log."""

from __future__ import annotations

import httpx

from switchboard_api.platform.access_log import mask_query_values

from fixtures.auth import api_process


def test_query_values_are_masked_and_names_kept() -> None:
    assert (
        mask_query_values("/api/v1/contacts?q=anna&limit=5") == "/api/v1/contacts?q=***&limit=***"
    )
    assert mask_query_values("/api/v1/x?flag&phone=%2B79161234567") == "/api/v1/x?flag&phone=***"
    assert mask_query_values("/api/healthz") == "/api/healthz"


def test_the_running_api_logs_no_query_values() -> None:
    with api_process("--log-level", "info", capture_output=True) as (base, proc):
        httpx.get(base + "/api/v1/contacts?q=secret-surname&phone=%2B79161234567", timeout=5)
    assert proc.stdout is not None
    output = proc.stdout.read()
    lines = [line for line in output.splitlines() if "/api/v1/contacts" in line]
    assert lines, output[-2000:]
    assert "q=***&phone=***" in lines[0]
    assert "secret-surname" not in output
    assert "79161234567" not in output
