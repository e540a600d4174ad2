"""``switchboard-api``: operate the API: migrate, wait for dependencies, prepare storage."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

import uvloop
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from switchboard_api import app as _app  # noqa: F401 - importing the app registers seed steps
from switchboard_api.auth.cli import add_commands as add_auth_commands
from switchboard_api.auth.cli import run_command as run_auth_command
from switchboard_api.health.checks import check_readiness
from switchboard_api.platform.database_state import applied_migrations
from switchboard_api.platform.resources import Resources, open_resources
from switchboard_api.platform.unit_of_work import unit_of_work
from switchboard_api.seed import run_seed
from switchboard_api.serve import serve
from switchboard_api.settings import get_settings
from switchboard_api.worker.main import run_worker
from switchboard_shared.logs import configure_json_logging

log = logging.getLogger("switchboard_api.cli")
MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations and the configured DB."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", get_settings().database_url.get_secret_value())
    return cfg


def migrate(revision: str = "heads") -> None:
    """Apply the migrations up to ``revision`` (every head: domains add their own branches)."""
    command.upgrade(alembic_config(), revision)


async def _ensure_bucket(res: Resources) -> None:
    async with res.s3_client() as s3:
        try:
            await s3.head_bucket(Bucket=res.settings.s3_bucket)
        except Exception:
            await s3.create_bucket(Bucket=res.settings.s3_bucket)


async def _wait_ready(deadline_seconds: float) -> bool:
    deadline = time.monotonic() + deadline_seconds
    async with open_resources(get_settings()) as res:
        while True:
            report = await check_readiness(res)
            missing_bucket_only = report.failed == ["s3"]
            if missing_bucket_only:
                try:
                    await _ensure_bucket(res)
                    report = await check_readiness(res)
                except Exception as exc:
                    log.debug("bucket not ready: %s", exc)
            if report.ok:
                return True
            if time.monotonic() > deadline:
                for name in report.failed:
                    log.error("%s not ready: %s", name, report.checks[name].detail)
                return False
            await asyncio.sleep(0.5)


async def _schema_is_current(res: Resources) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    try:
        applied = await applied_migrations(res.engine)
    except DBAPIError:  # not reachable yet, or the table went away meanwhile
        return False
    return applied == heads


async def _wait_migrated(deadline_seconds: float) -> bool:
    deadline = time.monotonic() + deadline_seconds
    async with open_resources(get_settings()) as res:
        while not await _schema_is_current(res):
            if time.monotonic() > deadline:
                log.error("the database schema is not at the latest migration")
                return False
            await asyncio.sleep(0.5)
    return True


async def _seed_demo() -> None:
    async with open_resources(get_settings()) as res, unit_of_work(res) as uow:
        names = await run_seed(uow, res.settings)
    log.info("demo data ready (%s)", ", ".join(names) or "no seed steps registered")


def prepare(*, seed_demo: bool, timeout: float) -> int:
    """Wait for the dependencies, apply migrations, optionally load the demo data."""
    if not asyncio.run(_wait_ready(timeout)):
        return 1
    migrate()
    if seed_demo:
        asyncio.run(_seed_demo())
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``switchboard-api`` command."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] == "serve":
        serve(argv[1:], get_settings())
    parser = argparse.ArgumentParser(prog="switchboard-api", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    # Listed for --help; main() hands `serve`'s options to uvicorn before parsing.
    sub.add_parser(
        "serve", help="serve the API with uvicorn (the default command; options go to uvicorn)"
    )
    sub.add_parser("migrate", help="apply database migrations up to head")
    wait = sub.add_parser(
        "wait-ready", help="wait for PostgreSQL, Redis and S3 (creates the bucket)"
    )
    wait.add_argument("--timeout", type=float, default=60.0)
    wait.add_argument(
        "--migrated", action="store_true", help="also wait until every migration is applied"
    )
    prep = sub.add_parser("prepare", help="wait-ready, migrate, and (optionally) seed demo data")
    prep.add_argument("--seed-demo", action="store_true")
    prep.add_argument("--timeout", type=float, default=120.0)
    sub.add_parser("worker", help="run the background worker (jobs, event sequencer, relay)")
    add_auth_commands(sub)
    args = parser.parse_args(argv)
    configure_json_logging(logging.INFO)
    # httpx logs every request at INFO: the relay's publishes alone were 100 lines a second
    # (and as much work for whatever collects the logs). Failures are logged by our code.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if (code := run_auth_command(args, _seed_demo)) is not None:
        return code
    if args.command == "migrate":
        migrate()
        return 0
    if args.command == "worker":
        # uvloop, as the API's uvicorn: the relay's HTTP and the jobs' I/O cost less CPU.
        return uvloop.run(run_worker(get_settings()))
    if args.command == "wait-ready":
        ready = asyncio.run(_wait_ready(args.timeout))
        if ready and args.migrated:
            ready = asyncio.run(_wait_migrated(args.timeout))
        return 0 if ready else 1
    if args.command == "prepare":
        return prepare(seed_demo=args.seed_demo, timeout=args.timeout)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
