"""The worker touches its heartbeat file while it runs (the compose healthcheck reads it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_worker_touches_its_heartbeat_file_and_stops_cleanly(tmp_path: Path) -> None:
    beat = tmp_path / "worker.alive"
    env = {**os.environ, "API_WORKER_HEARTBEAT_FILE": str(beat)}
    worker = subprocess.Popen([sys.executable, "-m", "switchboard_api", "worker"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not beat.exists() and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited early"
            time.sleep(0.2)
        assert beat.exists()
        assert time.time() - beat.stat().st_mtime < 20
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0
