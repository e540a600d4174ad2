"""Subprocesses on free ports, with their output kept in a log file for failure messages."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    """One subprocess and the file its stdout/stderr go to."""

    name: str
    process: asyncio.subprocess.Process
    log_path: str

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def log(self, tail: int = 6000) -> str:
        """The end of the process's output."""
        with open(self.log_path, errors="replace") as f:
            return f.read()[-tail:]

    async def kill(self) -> None:
        """``kill -9``: no shutdown code runs, sockets are dropped by the kernel."""
        if self.running:
            os.kill(self.process.pid, signal.SIGKILL)
            await self.process.wait()

    async def stop(self, grace: float = 15) -> int:
        """SIGTERM, then SIGKILL if it has not exited within ``grace`` seconds."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                await self.kill()
        return self.process.returncode or 0


async def spawn(name: str, argv: list[str], env: dict[str, str], cwd: str | None = None) -> Proc:
    """Start ``argv`` with ``env``; its output goes to a temporary log file."""
    log = tempfile.NamedTemporaryFile(prefix=f"sb-e2e-{name}-", suffix=".log", delete=False)  # noqa: SIM115
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=log, stderr=log, stdin=asyncio.subprocess.DEVNULL, cwd=cwd
    )
    log.close()
    return Proc(name, process, log.name)


async def spawn_python(name: str, args: list[str], env: dict[str, str]) -> Proc:
    """``python <args>`` with this interpreter (the workspace venv)."""
    return await spawn(name, [sys.executable, *args], env)


async def http_status(port: int, path: str, limit: float = 2) -> int | None:
    """Status of a bare ``GET`` on 127.0.0.1:port, ``None`` if nothing answers."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), limit)
    except (OSError, TimeoutError):
        return None
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readline(), limit)
        parts = head.split()
        return int(parts[1]) if len(parts) > 1 else None
    except (OSError, TimeoutError, ValueError):
        return None
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def wait_until(
    check: Callable[[], Awaitable[bool]], seconds: float, what: str, step: float = 0.05
) -> None:
    """Poll ``check`` until it is true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        await asyncio.sleep(step)


async def wait_healthy(proc: Proc, port: int, path: str, seconds: float = 30) -> None:
    """Wait until ``GET path`` answers 200, failing with the log if the process dies."""

    async def healthy() -> bool:
        if not proc.running:
            raise AssertionError(f"{proc.name} exited ({proc.process.returncode}):\n{proc.log()}")
        return await http_status(port, path) == 200

    try:
        await wait_until(healthy, seconds, f"{proc.name} on port {port}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{proc.log()}") from None
