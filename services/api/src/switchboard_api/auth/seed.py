"""Demo users for ``seed-demo`` / ``make run``: one per role, with PBX extensions.

DEV ONLY: every demo account signs in with :data:`DEMO_PASSWORD`. Never seed a production
database.
"""

from __future__ import annotations

import logging

from switchboard_api.auth.accounts import NewAccount, create_account
from switchboard_api.auth.permissions import Role
from switchboard_api.auth.repository import email_taken
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.seed import seed_step
from switchboard_api.settings import ApiSettings

log = logging.getLogger("switchboard_api.auth.seed")

DEMO_PASSWORD = "switchboard-demo"  # noqa: S105 - the documented dev-only demo password
DEMO_ACCOUNTS = (
    ("admin@demo.switchboard", "Demo Admin", Role.ADMIN, None),
    ("supervisor@demo.switchboard", "Sofia Supervisor", Role.SUPERVISOR, "101"),
    ("agent1@demo.switchboard", "Anton Agent", Role.AGENT, "102"),
    ("agent2@demo.switchboard", "Alina Agent", Role.AGENT, "103"),
)


@seed_step("users")
async def seed_demo_users(uow: UnitOfWork, settings: ApiSettings) -> None:
    """Create the demo accounts that do not exist yet (safe to run again)."""
    for email, full_name, role, extension in DEMO_ACCOUNTS:
        if await email_taken(uow.session, email):
            continue
        await create_account(uow, NewAccount(email, full_name, role, DEMO_PASSWORD, extension))
        log.info("demo %s %s created", role, email)
