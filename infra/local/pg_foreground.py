"""Run PostgreSQL in the foreground for the process supervisor.

Why a shim: the server refuses to run as root, and a supervisor's SIGTERM means "smart
shutdown" to PostgreSQL (wait for every client to leave). We start the server as the
unprivileged service user in its own session and turn SIGTERM/SIGINT into a fast shutdown.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType


def main() -> int:
    """``pg_foreground.py BIN_DIR DATA_DIR PORT SOCKET_DIR [RUN_AS]``."""
    bin_dir, data_dir, port, socket_dir = sys.argv[1:5]
    run_as = sys.argv[5] if len(sys.argv) > 5 else ""
    cmd = [
        str(Path(bin_dir) / "postgres"),
        "-D",
        data_dir,
        "-p",
        port,
        "-h",
        "127.0.0.1",
        "-k",
        socket_dir,
    ]
    if run_as:
        cmd = ["setpriv", f"--reuid={run_as}", f"--regid={run_as}", "--init-groups", *cmd]
    server = subprocess.Popen(cmd, start_new_session=True)

    def fast_shutdown(_signum: int, _frame: FrameType | None) -> None:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)

    signal.signal(signal.SIGTERM, fast_shutdown)
    signal.signal(signal.SIGINT, fast_shutdown)
    return server.wait()


if __name__ == "__main__":
    os.umask(0o077)
    sys.exit(main())
