"""Where the stack's and the tests' programs are, found the way the Makefile finds uv.

A fresh machine has nothing on PATH that the project did not put there, so no step may run a
bare ``uv`` or ``wrk``: the launcher resolves every program once (installing the Debian
packages it may install), and hands the absolute paths to the tests and benchmarks as
``SB_*`` variables. ``.ci/run`` runs the suite with a PATH that holds no uv to prove it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from profiles import ROOT
from provision import ProvisionError, ensure_system_packages, which

# program -> (the Debian package that provides it, where Debian puts it)
SYSTEM_PROGRAMS = {
    "node": ("nodejs", "/usr/bin/node"),
    "npm": ("npm", "/usr/bin/npm"),
    "chromium": ("chromium", "/usr/bin/chromium"),
    "wrk": ("wrk", "/usr/bin/wrk"),
    "redis-server": ("redis-server", "/usr/bin/redis-server"),
    "redis-cli": ("redis-tools", "/usr/bin/redis-cli"),  # joins a local Redis Cluster
    "nginx": ("nginx-light", "/usr/sbin/nginx"),
    "ffmpeg": ("ffmpeg", "/usr/bin/ffmpeg"),
    "promtool": ("prometheus", "/usr/bin/promtool"),
}


def uv() -> str:
    """The uv the Makefile runs: the machine's, else the one it bootstrapped into .local/tools."""
    given = os.environ.get("SB_UV")
    if given:
        return str(Path(given).resolve()) if not Path(given).is_absolute() else given
    found = which("uv")
    return found or str(ROOT / ".local" / "tools" / "bin" / "uv")


def program(name: str) -> str:
    """The absolute path of a system program (PATH, the sbin directories, then Debian's place)."""
    _package, debian_path = SYSTEM_PROGRAMS[name]
    found = which(name) or (debian_path if Path(debian_path).exists() else None)
    if found is None:
        raise ProvisionError(f"{name} not found (Debian package {SYSTEM_PROGRAMS[name][0]})")
    return found


def ensure_programs(*names: str) -> None:
    """Install the Debian packages of these programs when any is missing (root) or say which."""
    ensure_system_packages({name: SYSTEM_PROGRAMS[name][0] for name in names if not _present(name)})


def _present(name: str) -> bool:
    return bool(which(name)) or Path(SYSTEM_PROGRAMS[name][1]).exists()


def tool_env(*names: str) -> dict[str, str]:
    """``SB_PYTHON``, ``SB_UV`` and ``SB_<NAME>`` for each named program, as absolute paths."""
    env = {"SB_PYTHON": sys.executable, "SB_UV": uv()}
    for name in names:
        env["SB_" + name.upper().replace("-", "_")] = program(name)
    return env
