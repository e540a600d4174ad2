"""``python -m switchboard_api [serve ...]``: the API on uvicorn, several worker processes.

Before uvicorn starts its workers this prepares what they share: the directory their
Prometheus samples meet in (emptied, so a restart does not add the last run's counts) and
uvicorn's logging configuration (JSON lines from the first one).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from switchboard_api.platform import metrics
from switchboard_api.settings import ApiSettings
from switchboard_shared.logs import uvicorn_log_config

#: The production defaults (the container's): nginx is the only client, so forwarded
#: headers from any peer are trusted; $WEB_CONCURRENCY sets the number of workers.
DEFAULT_ARGS = [
    "--host",
    "0.0.0.0",
    "--port",
    "8000",
    "--proxy-headers",
    "--forwarded-allow-ips",
    "*",
    "--no-server-header",
]


def serve(uvicorn_args: list[str], settings: ApiSettings) -> NoReturn:
    """Replace this process with uvicorn serving the API (``uvicorn_args``, else
    :data:`DEFAULT_ARGS`)."""
    directory = Path(settings.metrics_dir or tempfile.mkdtemp(prefix="switchboard-api-metrics-"))
    metrics.prepare_multiprocess_dir(directory)
    log_config = directory / "uvicorn-logging.json"
    log_config.write_text(json.dumps(uvicorn_log_config(settings.log_level)))
    os.environ[metrics.MULTIPROC_ENV] = str(directory)
    command = [sys.executable, "-m", "uvicorn", "--factory", "switchboard_api.app:create_app"]
    command += ["--log-config", str(log_config), *(uvicorn_args or DEFAULT_ARGS)]
    os.execv(sys.executable, command)  # noqa: S606 - our own interpreter, fixed module
