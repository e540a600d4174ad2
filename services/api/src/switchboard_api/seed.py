"""The demo data ``make run`` loads: a registry of idempotent seed steps.

Each domain registers a step with :func:`seed_step`; steps run in registration order in one
transaction (one unit of work, so records go through the one writer) and must be safe to
run again (they check before they insert).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from switchboard_api.settings import ApiSettings

if TYPE_CHECKING:
    from switchboard_api.platform.unit_of_work import UnitOfWork

log = logging.getLogger("switchboard_api.seed")

SeedStep = Callable[["UnitOfWork", ApiSettings], Awaitable[None]]
_STEPS: list[tuple[str, SeedStep]] = []


def seed_step(name: str) -> Callable[[SeedStep], SeedStep]:
    """Register an idempotent demo-data step under ``name``."""

    def register(step: SeedStep) -> SeedStep:
        _STEPS.append((name, step))
        return step

    return register


def registered_steps() -> list[tuple[str, SeedStep]]:
    """The registered steps, in order."""
    return list(_STEPS)


async def run_seed(uow: UnitOfWork, settings: ApiSettings) -> list[str]:
    """Run every registered step in the unit of work's transaction; returns their names."""
    names = []
    for name, step in _STEPS:
        await step(uow, settings)
        names.append(name)
        log.info("seed step %s done", name)
    return names
