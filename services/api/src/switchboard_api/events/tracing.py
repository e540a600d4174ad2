"""Which request wrote which change event, from the API's commit to the relay's publish.

No column holds it: the process that commits a request's events names them (entity id and
version) in its wake-up message to the sequencer, and the worker keeps the names it heard
for a while. The sequencer and the relay log each traced event's offset and publication with
its request id, and the relay hands the ids to the realtime node with the batch (its
``X-Request-ID`` header), so one change is found in the API's, the worker's and the realtime
node's logs alike. Best effort by design: a lost wake-up message loses the trace, never
the event.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping

import msgspec

#: How many traced events the worker remembers (the oldest are forgotten first).
TRACE_CAPACITY = 20_000


def event_key(entity_id: uuid.UUID | str, version: int) -> str:
    """The name of one change event: its record and the version it made."""
    return f"{entity_id}:{version}"


class WakeTrace(msgspec.Struct):
    """The payload of a wake-up message: request id -> the events it committed."""

    traced: dict[str, list[str]]


def encode_wake(traced: Mapping[str, list[str]]) -> bytes:
    """A wake-up message's payload (empty when nothing is traced)."""
    return msgspec.json.encode(WakeTrace(traced=dict(traced))) if traced else b""


def decode_wake(payload: bytes | str) -> dict[str, list[str]]:
    """The traced events of a wake-up message (none for an empty or foreign payload)."""
    if not payload:
        return {}
    try:
        return msgspec.json.decode(payload, type=WakeTrace).traced
    except msgspec.DecodeError:
        return {}


class RequestTrace:
    """The request ids of recently committed events, by :func:`event_key` (bounded)."""

    def __init__(self, capacity: int = TRACE_CAPACITY) -> None:
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def heard(self, traced: Mapping[str, list[str]]) -> None:
        """Remember the events a wake-up message named."""
        for request_id, keys in traced.items():
            for key in keys:
                self._ids[key] = request_id
        while len(self._ids) > self._capacity:
            self._ids.popitem(last=False)

    def request_ids(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """Request id -> those of ``keys`` it wrote (keys nobody traced are left out)."""
        found: dict[str, list[str]] = {}
        for key in keys:
            request_id = self._ids.get(key)
            if request_id is not None:
                found.setdefault(request_id, []).append(key)
        return found

    def forget(self, keys: Iterable[str]) -> None:
        """Drop events that have been published."""
        for key in keys:
            self._ids.pop(key, None)
