"""``create-admin`` and ``seed-demo``: the auth domain's part of ``switchboard-api``."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from switchboard_api.auth.accounts import AccountError, NewAccount, create_account
from switchboard_api.auth.permissions import Role
from switchboard_api.platform.resources import open_resources
from switchboard_api.platform.unit_of_work import unit_of_work
from switchboard_api.settings import get_settings

log = logging.getLogger("switchboard_api.auth.cli")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the auth subcommands on the main parser."""
    admin = sub.add_parser("create-admin", help="create an administrator account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--full-name", required=True)
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else it is prompted for)",
    )
    sub.add_parser("seed-demo", help="load the demo data (idempotent; dev only: demo passwords)")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != password:
        raise AccountError("the passwords differ")
    return password


async def _create_admin(account: NewAccount) -> None:
    async with open_resources(get_settings()) as res, unit_of_work(res) as uow:
        await create_account(uow, account)


def create_admin(args: argparse.Namespace) -> int:
    """``create-admin``: 0 when created, 1 (with the reason) when refused."""
    try:
        password = _read_password(args.password_stdin)
        account = NewAccount(args.email, args.full_name, Role.ADMIN, password)
        asyncio.run(_create_admin(account))
    except AccountError as exc:
        log.error("not created: %s", exc)
        return 1
    log.info("administrator %s created", args.email)
    return 0


def run_command(
    args: argparse.Namespace, seed_demo: Callable[[], Coroutine[Any, Any, None]]
) -> int | None:
    """Run an auth subcommand; ``None`` if ``args.command`` is not one of ours.

    ``seed_demo`` runs every registered seed step (the registry lives in ``switchboard_api.seed``).
    """
    if args.command == "create-admin":
        return create_admin(args)
    if args.command == "seed-demo":
        asyncio.run(seed_demo())
        return 0
    return None
