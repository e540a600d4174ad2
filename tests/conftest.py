"""Cross-service tests run against the stack ``make test`` starts (see infra/local)."""

from __future__ import annotations

import os

import pytest

from fixtures.settings import api_settings, settings  # noqa: F401 - registered as fixtures


@pytest.fixture(scope="session")
def base_url() -> str:
    """The one entry point (nginx) of the test stack."""
    url = os.environ.get("SB_BASE_URL")
    if not url:
        pytest.fail("SB_BASE_URL is not set: run the suite with `make test`")
    return url
