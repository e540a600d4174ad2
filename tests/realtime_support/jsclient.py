"""Driving the stock pusher-js client (tests/js/client.mjs) from pytest.

Each :class:`JsClient` is one ``node`` process with one Pusher connection; it prints what
happens as JSON lines (collected in :attr:`JsClient.lines`) and takes commands on stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

JS_DIR = Path(__file__).resolve().parent.parent / "js"
CLIENT = JS_DIR / "client.mjs"

Line = dict[str, Any]


def ensure_node_modules() -> None:
    """Install the harness's locked npm dependencies once (``npm ci``) if they are missing."""
    marker = JS_DIR / "node_modules" / "pusher-js" / "package.json"
    lock = JS_DIR / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = os.environ.get("SB_NPM") or shutil.which("npm")  # the launcher names it
    if npm is None:
        raise AssertionError("npm is not installed: the realtime e2e tests need Node 20 + npm")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=JS_DIR,
        check=True,
        timeout=300,
    )
    marker.touch()


class JsClient:
    """One pusher-js connection in a Node subprocess."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, stderr_path: str) -> None:
        self.name = name
        self.process = process
        self.stderr_path = stderr_path
        self.lines: list[Line] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, name: str, config: dict[str, Any]) -> JsClient:
        """Start the harness with ``config`` (see tests/js/client.mjs) and wait until it runs."""
        node = os.environ.get("SB_NODE") or shutil.which("node") or "/usr/bin/node"
        err = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, kept for failure messages
            prefix=f"sb-pusherjs-{name}-", suffix=".log", delete=False
        )
        process = await asyncio.create_subprocess_exec(
            node,
            str(CLIENT),
            json.dumps(config),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
            limit=1 << 20,
        )
        err.close()
        client = cls(name, process, err.name)
        await client.wait_for(lambda m: m["type"] == "started", 15, "the harness to start")
        return client

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                line = {"type": "garbage", "raw": raw.decode(errors="replace")}
            self.lines.append(line)
            self._changed.set()
        self._changed.set()

    def stderr(self) -> str:
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-4000:]

    def describe(self, last: int = 25) -> str:
        """The client's last lines and stderr, for assertion messages."""
        tail = "\n".join(json.dumps(line) for line in self.lines[-last:])
        return f"[{self.name}] last lines:\n{tail}\nstderr:\n{self.stderr()}"

    def find(self, predicate: Callable[[Line], bool], since: int = 0) -> list[Line]:
        """Lines from index ``since`` on that match."""
        return [line for line in self.lines[since:] if predicate(line)]

    async def wait_for(
        self, predicate: Callable[[Line], bool], seconds: float, what: str, since: int = 0
    ) -> Line:
        """The first line from index ``since`` on that matches; fail after ``seconds``."""
        deadline = time.monotonic() + seconds
        index = since
        while True:
            while index < len(self.lines):
                line = self.lines[index]
                index += 1
                if predicate(line):
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or (self._reader.done() and index >= len(self.lines)):
                raise AssertionError(
                    f"{self.name}: no {what} within {seconds} s\n{self.describe()}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def subscribed(self, channel: str, seconds: float = 10, since: int = 0) -> Line:
        """Wait for ``pusher:subscription_succeeded`` on ``channel``; fail on an error."""
        line = await self.wait_for(
            lambda m: (
                m.get("channel") == channel and m["type"] in ("subscribed", "subscription_error")
            ),
            seconds,
            f"subscription to {channel}",
            since,
        )
        assert line["type"] == "subscribed", f"{self.name}: {line}"
        return line

    async def send(self, **command: Any) -> None:
        """Send one command (``cmd=...``) to the harness."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()

    async def close(self) -> None:
        """Ask the harness to disconnect and exit; kill it if it does not."""
        if self.process.returncode is None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.send(cmd="exit")
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
