"""supervisord event listener of a local stack: prints output, reports deaths, gives up.

- Each line a program prints is written as ``name | line`` (as the stack's log and the
  ``make run`` terminal show it).
- A program that dies is reported, and whatever it left in its process group (uvicorn's
  workers, nginx's workers, still holding the listening socket) is killed so that the
  restarted one can bind its port.
- A program that dies more than ``--crash-limit`` times within ``--crash-window`` seconds
  is stopped and reported as given up on, while the rest of the stack keeps running;
  supervisord itself gives up on one that keeps failing to start (state FATAL).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
import xmlrpc.client
from collections import defaultdict, deque
from typing import Any, BinaryIO, TextIO

from supervisor import childutils


class CrashBudget:
    """Counts each program's deaths over a sliding window."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self.deaths: dict[str, deque[float]] = defaultdict(deque)

    def record(self, name: str, now: float) -> bool:
        """Count one death; True when the program is over its budget."""
        times = self.deaths[name]
        times.append(now)
        while times and times[0] < now - self.window:
            times.popleft()
        return len(times) > self.limit


class StackEvents:
    """Handles one event at a time from supervisord."""

    def __init__(self, out: TextIO, budget: CrashBudget, rpc: Any) -> None:
        self.out = out
        self.budget = budget
        self.rpc = rpc
        self.given_up: set[str] = set()

    def say(self, name: str, text: str) -> None:
        """Write lines under a program's name."""
        for line in text.splitlines():
            self.out.write(f"{name:>9} | {line}\n")
        self.out.flush()

    def handle(self, event: str, payload: str) -> None:
        """Dispatch one event by its name."""
        if event.startswith("PROCESS_LOG"):
            headers, data = childutils.eventdata(payload)
            self.say(headers["processname"], data)
            return
        headers = childutils.get_headers(payload)
        name = headers["processname"]
        if name == "stack_events":
            return
        if event == "PROCESS_STATE_EXITED" and headers.get("expected") == "0":
            self.on_death(name, int(headers["pid"]))
        elif event == "PROCESS_STATE_BACKOFF":
            self.say("stack", f"{name} exited while starting; retrying after a growing delay")
        elif event == "PROCESS_STATE_FATAL":
            self.say("stack", f"gave up on {name}: it failed to start again and again")
        elif event == "PROCESS_STATE_STARTING" and headers.get("from_state") == "STOPPED":
            # Only a person starts a stopped program (supervisorctl start): a fresh budget.
            self.given_up.discard(name)
            self.budget.deaths.pop(name, None)
        elif event in ("PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING") and (
            name in self.given_up
        ):
            self.stop(name)

    def on_death(self, name: str, pid: int) -> None:
        """A running program died: clear its process group, restart or give up."""
        # supervisord made the program a group leader; its children outlive a kill -9.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        if self.budget.record(name, time.monotonic()):
            self.given_up.add(name)
            self.say(
                "stack",
                f"gave up on {name}: it died more than {self.budget.limit} times in "
                f"{self.budget.window:.0f} s (the rest of the stack keeps running)",
            )
            self.stop(name)
        else:
            self.say("stack", f"{name} died (pid {pid}); restarting it")

    def stop(self, name: str) -> None:
        """Ask supervisord to stop a program (it may be between states: then next time)."""
        with contextlib.suppress(xmlrpc.client.Fault, OSError):
            self.rpc.supervisor.stopProcess(name, False)


def next_event(stdin: BinaryIO, stdout: TextIO) -> tuple[str, str]:
    """Say READY, read one event; its ``len`` counts bytes (output may be any UTF-8)."""
    stdout.write("READY\n")
    stdout.flush()
    headers = childutils.get_headers(stdin.readline().decode())
    payload = stdin.read(int(headers["len"])).decode("utf-8", "replace")
    return headers["eventname"], payload


def main() -> int:
    """Serve supervisord's events until it stops us."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--crash-limit", type=int, required=True)
    parser.add_argument("--crash-window", type=float, required=True)
    ns = parser.parse_args()
    rpc = childutils.getRPCInterface(os.environ)
    events = StackEvents(sys.stderr, CrashBudget(ns.crash_limit, ns.crash_window), rpc)
    while True:
        event, payload = next_event(sys.stdin.buffer, sys.stdout)
        try:
            events.handle(event, payload)
        finally:
            childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
