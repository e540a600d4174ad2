"""The test stack's supervised processes: which ones there are, their pids, killing one."""

from __future__ import annotations

import contextlib
import os
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport


def supervisor() -> Any:
    """The stack's supervisord (XML-RPC over its control socket, ``SB_SUPERVISOR_URL``)."""
    url = os.environ["SB_SUPERVISOR_URL"]
    return xmlrpc.client.ServerProxy("http://127.0.0.1", SupervisorTransport(None, None, url))


def running_pids() -> dict[str, int]:
    """Every supervised program that is running, with its pid."""
    infos = supervisor().supervisor.getAllProcessInfo()
    return {i["name"]: i["pid"] for i in infos if i["statename"] == "RUNNING"}


def children(pid: int) -> list[int]:
    """The direct children of a process."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(x) for x in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its live children so far."""
    total = 0.0
    for each in [pid, *children(pid)]:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def itself(pid: int) -> int:
    return pid


def first_child(pid: int) -> int:
    return min(children(pid))


def uvicorn_workers(pid: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing also starts a resource tracker)."""
    found = []
    for child in children(pid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
    return found


def a_uvicorn_worker(pid: int) -> int:
    return min(uvicorn_workers(pid))


@dataclass(frozen=True)
class Target:
    """A process to kill: which program it belongs to and how to find its pid."""

    program: str
    find: Callable[[int], int]  # the program's pid -> the pid to kill
    #: the program stops answering while the process is down (not so for one of several
    #: uvicorn workers: the others go on serving)
    outage: bool = True


TARGETS = {
    "api-worker": Target("api", a_uvicorn_worker, outage=False),  # uvicorn starts another
    "api-parent": Target("api", itself),
    "realtime": Target("realtime", itself),
    "worker": Target("worker", itself),
    "postgres": Target("postgres", first_child),  # the postmaster under its start shim
    "redis": Target("redis", itself),
    "s3": Target("s3", itself),
    "pbxsim": Target("pbxsim", itself),
    "nginx": Target("nginx", itself),
}


def replacement(name: str, before: dict[str, int], victim: int) -> Callable[[], bool]:
    """Whether the killed process has been replaced by a running one."""
    program = TARGETS[name].program
    workers = len(uvicorn_workers(before[program])) if name == "api-worker" else 0

    def replaced() -> bool:
        pid = running_pids().get(program)
        if pid is None:
            return False
        if name == "api-worker":
            now = uvicorn_workers(pid)
            return victim not in now and len(now) == workers
        return pid != before[program]

    return replaced
