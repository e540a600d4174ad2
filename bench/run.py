"""Run the benchmarks under bench/ one after another (``make bench [ARGS="name ..."]``).

Each ``bench/<name>.py`` is a script that measures one thing against the running stack
(``SB_BASE_URL`` and the services' settings are in the environment) next to its baseline,
and prints its figures. They are not a CI gate.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(selected: list[str]) -> list[Path]:
    """The benchmark scripts, optionally only those whose name contains a selected word."""
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_")
    )
    if selected:
        scripts = [p for p in scripts if any(word in p.stem for word in selected)]
    return scripts


def main(argv: list[str]) -> int:
    """Run each benchmark; the exit code is the first failure's."""
    failures = 0
    for script in discover(argv):
        print(f"\n=== {script.stem} ===", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)])
        print(f"--- {script.stem}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
