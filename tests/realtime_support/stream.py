"""A stream of contact writes through the REST API, and what clients applied from it."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from realtime_support.jsclient import JsClient
from realtime_support.people import Api, unique_name


@dataclass
class WriteStream:
    """``total`` writes in ``lanes`` concurrent lanes: each lane creates one contact and
    patches it (with ``If-Match``) until the lane's share is written."""

    api: Api
    total: int
    lanes: int = 10
    done: int = 0
    _marks: dict[int, asyncio.Event] = field(default_factory=dict)

    def reached(self, count: int) -> asyncio.Event:
        """Set once ``count`` writes have been acknowledged."""
        return self._marks.setdefault(count, asyncio.Event())

    def _tick(self) -> None:
        self.done += 1
        for count, event in self._marks.items():
            if self.done >= count:
                event.set()

    async def _lane(self, writes: int) -> None:
        contact = await self.api.create_contact(unique_name("stream"))
        self._tick()
        version = contact["version"]
        for n in range(writes - 1):
            patched = await self.api.patch_contact(contact["id"], version, job_title=f"v{n}")
            version = patched["version"]
            self._tick()

    async def run(self) -> float:
        """Write everything; the seconds it took."""
        started = time.monotonic()
        share, extra = divmod(self.total, self.lanes)
        sizes = [share + (1 if i < extra else 0) for i in range(self.lanes)]
        await asyncio.gather(*(self._lane(n) for n in sizes if n))
        return time.monotonic() - started


@dataclass(frozen=True)
class Applied:
    """What one harness client applied with the recovery recipe."""

    name: str
    offsets: list[int]  # in the order applied
    live: int
    replayed: int
    duplicates: int
    reconnects: int

    @classmethod
    def of(cls, client: JsClient) -> Applied:
        applied = client.find(lambda m: m["type"] == "applied")
        sources = Counter(m["source"] for m in applied)
        connected = client.find(lambda m: m["type"] == "state" and m["current"] == "connected")
        return cls(
            name=client.name,
            offsets=[m["offset"] for m in applied],
            live=sources["live"],
            replayed=sources["replay"],
            duplicates=len(client.find(lambda m: m["type"] == "duplicate")),
            reconnects=max(0, len(connected) - 1),
        )

    def summary(self) -> str:
        return (
            f"{self.name}: applied {len(self.offsets)} ({self.live} live, {self.replayed} "
            f"replayed), {self.duplicates} duplicates dropped, {self.reconnects} reconnects"
        )


async def wait_applied(client: JsClient, expected: set[int], seconds: float) -> Applied:
    """Wait until ``client`` applied every offset in ``expected``; its final tally."""
    deadline = time.monotonic() + seconds
    while True:
        got = Applied.of(client)
        if expected <= set(got.offsets):
            return got
        if time.monotonic() > deadline:
            missing = sorted(expected - set(got.offsets))
            raise AssertionError(
                f"{got.summary()}; {len(missing)} of {len(expected)} never applied, "
                f"e.g. {missing[:20]}\n{client.describe()}"
            )
        await asyncio.sleep(0.1)
