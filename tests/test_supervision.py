"""The local stack's supervision (infra/local/supervision.py, stack_events.py) on a real
supervisord with small stand-in programs: a program that dies is restarted while the
others keep running, what it left in its process group is killed, and one that keeps
crashing is given up on and reported."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "infra" / "local"))

from profiles import Ports, Profile
from programs import Program
from supervision import CRASH_LIMIT, StackSupervisor, render_supervisor_conf

# Ports are never bound by these programs; the profile only names a state directory.
UNUSED = Ports(*[1] * len(fields(Ports)))


def wait_for(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            value = check()
            if value:
                return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent has not reaped it yet).
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


class Stack:
    """supervisord running the given programs, its output in a file."""

    def __init__(self, profile: Profile, process: subprocess.Popen[bytes], out: Path) -> None:
        self.profile = profile
        self.process = process
        self.out = out

    def rpc(self) -> Any:
        return StackSupervisor(self.profile).rpc().supervisor

    def info(self, name: str) -> dict[str, Any]:
        info: dict[str, Any] = self.rpc().getProcessInfo(name)
        return info

    def output(self) -> str:
        return self.out.read_text(errors="replace")


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Iterator[Callable[[list[Program]], Stack]]:
    started: list[Stack] = []

    def start(programs: list[Program]) -> Stack:
        name = f"supervision-test-{os.getpid()}-{len(started)}"
        profile = Profile(name, UNUSED)
        profile.logs.mkdir(parents=True, exist_ok=True)
        conf = render_supervisor_conf(profile, programs)
        out = profile.logs / "out.log"
        with out.open("ab") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf)],
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        s = Stack(profile, process, out)
        started.append(s)
        for program in programs:
            wait_for(lambda p=program: s.info(p.name)["statename"] == "RUNNING", 20, program.name)
        return s

    yield start
    for s in started:
        s.process.send_signal(signal.SIGTERM)
        try:
            s.process.wait(30)
        except subprocess.TimeoutExpired:
            s.process.kill()
        shutil.rmtree(s.profile.state, ignore_errors=True)


def test_a_dead_program_is_restarted_with_its_group_cleared_and_the_others_untouched(
    stack: Callable[[list[Program]], Stack],
) -> None:
    # `leader` leaves a child behind in its process group, as uvicorn's workers or nginx's
    # are left when their parent is killed -9 (and would hold the port).
    s = stack(
        [
            Program("steady", "exec sleep 600", 100, 1),
            Program("leader", "sleep 600 & echo child $!; exec sleep 600", 100, 1),
        ]
    )
    steady = s.info("steady")["pid"]
    leader = s.info("leader")["pid"]
    child = int(wait_for(lambda: s.output().split("child ")[1].split()[0], 10, "the child"))
    assert alive(child)

    os.kill(leader, signal.SIGKILL)
    wait_for(
        lambda: s.info("leader")["statename"] == "RUNNING" and s.info("leader")["pid"] != leader,
        15,
        "the restart",
    )
    wait_for(lambda: not alive(child), 10, "the orphaned child to be killed")
    assert s.info("steady")["pid"] == steady
    assert "leader died" in s.output()


def test_a_program_that_keeps_crashing_is_given_up_on_and_reported(
    stack: Callable[[list[Program]], Stack],
) -> None:
    # Up long enough for each start to count, then dead: supervisord alone would restart
    # it forever.
    s = stack(
        [
            Program("steady", "exec sleep 600", 100, 1),
            Program("crasher", "sleep 1.3; exit 3", 100, 1),
        ]
    )
    steady = s.info("steady")["pid"]
    wait_for(lambda: "gave up on crasher" in s.output(), 60, "the crash loop to be given up on")
    wait_for(lambda: s.info("crasher")["statename"] == "STOPPED", 10, "crasher stopped")
    time.sleep(3)
    assert s.info("crasher")["statename"] == "STOPPED", "not restarted after giving up"
    assert s.output().count("crasher died") == CRASH_LIMIT
    assert s.info("steady")["pid"] == steady
    # Started again by hand (after a fix), it runs: giving up is not a ban.
    s.rpc().startProcess("crasher", False)
    wait_for(lambda: s.info("crasher")["statename"] == "RUNNING", 10, "the manual start")
