"""Freezing the startup heap: what exists is out of the collector's sight, what follows is not."""

from __future__ import annotations

import gc

from switchboard_shared.runtime import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector can free it


def test_objects_built_at_startup_are_frozen_and_later_ones_still_collected() -> None:
    gc.unfreeze()
    try:
        startup = [_Node() for _ in range(100)]
        frozen = freeze_startup_heap()
        assert frozen >= len(startup)
        assert not any(gc.is_tracked(n) and n in gc.get_objects(0) for n in startup[:3])
        before = frozen
        later = _Node()
        del later
        assert gc.collect() >= 1  # the cycle made after the freeze is found and freed
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
