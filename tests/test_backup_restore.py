"""``make backup`` and ``make restore`` round trip on the test stack: back up, wipe the
database and the bucket, restore into the empty stack, and every record, history entry and
recording is back (the recording playable through the API, byte for byte the same)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory
from fixtures.lifecycle import Actor, actor, unique
from fixtures.telephony import call_row, eventually, random_extension, random_mobile, simulator
from realtime_support.supervised import supervisor

REPO = Path(__file__).resolve().parents[1]
BACKUP = REPO / "infra" / "local" / "backup.py"
#: Stopped while the data is replaced (a restore goes into a stack without them).
WRITERS = ("api", "worker")
TABLES = ("users", "contacts", "calls", "entity_events")


@pytest.fixture(scope="module")
async def engine(settings: ApiSettings) -> AsyncIterator[AsyncEngine]:
    # No pool: a kept connection would hold statements prepared against the wiped tables.
    engine = create_async_engine(settings.database_url.get_secret_value(), poolclass=NullPool)
    yield engine
    await engine.dispose()


def run_backup_tool(*args: str) -> subprocess.CompletedProcess[str]:
    python = os.environ.get("SB_PYTHON", sys.executable)
    return subprocess.run(
        [python, str(BACKUP), *args], capture_output=True, text=True, check=False, env=os.environ
    )


async def snapshot(engine: AsyncEngine) -> dict[str, Any]:
    """Every row of the tables that matter, as text, in a stable order."""
    found: dict[str, Any] = {}
    async with engine.connect() as conn:
        for table in TABLES:
            rows = await conn.execute(text(f"SELECT t::text FROM {table} t ORDER BY t::text"))  # noqa: S608
            found[table] = [row[0] for row in rows]
    return found


def bucket(settings: ApiSettings) -> dict[str, str]:
    """Key -> SHA-256 of every object in the bucket."""
    import boto3  # noqa: PLC0415 - only this test talks to S3 synchronously
    from botocore.config import Config  # noqa: PLC0415

    s3 = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id=settings.s3_access_key.get_secret_value(),
        aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
        region_name=settings.s3_region,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    sums = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.s3_bucket):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=settings.s3_bucket, Key=item["Key"])["Body"].read()
            sums[item["Key"]] = hashlib.sha256(body).hexdigest()
    return sums


def empty_bucket(settings: ApiSettings) -> None:
    import boto3  # noqa: PLC0415

    s3 = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id=settings.s3_access_key.get_secret_value(),
        aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
        region_name=settings.s3_region,
    )
    for key in list(bucket(settings)):
        s3.delete_object(Bucket=settings.s3_bucket, Key=key)


async def wait_ready(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        for _ in range(600):  # a loaded machine starts uvicorn slowly
            try:
                if (await http.get("/api/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise AssertionError("the API did not come back after the restore")


async def playable(base_url: str, admin: Actor, settings: ApiSettings, call_id: str) -> bytes:
    """The recording's bytes as a browser gets them (the API's redirect, through nginx)."""
    redirect = await admin.http.get(f"/api/v1/calls/{call_id}/recording")
    assert redirect.status_code == 302, redirect.text
    public = redirect.headers["location"].replace(settings.s3_public_url, base_url)
    host = settings.s3_public_url.split("://", 1)[1]
    async with httpx.AsyncClient(timeout=30) as http:
        audio = await http.get(public, headers={"host": host})
    assert audio.status_code == 200, audio.text
    assert audio.headers["content-type"] == "audio/mpeg"
    return audio.content


async def test_backup_then_restore_into_an_empty_stack_brings_everything_back(
    base_url: str, settings: ApiSettings, engine: AsyncEngine, users: UserFactory, tmp_path: Path
) -> None:
    extension = random_extension()
    await users.create("agent", extension=extension)
    async with actor(base_url, users, "admin") as admin:
        created = await admin.http.post("/api/v1/contacts", json={"name": unique("backup")})
        assert created.status_code == 201
        patched = await admin.http.patch(
            created.headers["location"],
            json={"company": "Kept Ltd"},
            headers={"if-match": created.headers["etag"]},
        )
        assert patched.status_code == 200
        async with simulator() as sim:
            run = await sim.play(extension=extension, number=random_mobile(), talk_seconds=3,
                                 recording_ready_delay=0)  # fmt: skip

        async def stored() -> dict[str, Any] | None:
            call = await call_row(engine, provider_call_id=run["entry_id"])
            return call if call and call["recording_status"] == "stored" else None

        call = await eventually(stored, seconds=60, what="the recording to be stored")
        audio_before = await playable(base_url, admin, settings, str(call["id"]))
        history_before = (await admin.http.get(created.headers["location"] + "/history")).json()

        rpc = supervisor().supervisor
        for name in WRITERS:  # a quiet stack: the backup is the state at this moment
            rpc.stopProcess(name, True)
        try:
            rows_before, objects_before = await snapshot(engine), bucket(settings)
            assert call["recording_key"] in objects_before
            done = run_backup_tool("backup", str(tmp_path / "backup"))
            assert done.returncode == 0, done.stderr

            async with engine.begin() as conn:  # wipe: an empty database and bucket
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            empty_bucket(settings)
            assert bucket(settings) == {}
            async with engine.connect() as conn:
                tables = await conn.execute(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                )
                assert tables.scalar_one() == 0

            done = run_backup_tool("restore", str(tmp_path / "backup"))
            assert done.returncode == 0, done.stderr
            assert await snapshot(engine) == rows_before
            assert bucket(settings) == objects_before
        finally:
            for name in WRITERS:
                rpc.startProcess(name, True)
        await wait_ready(base_url)

        again = await admin.http.get(created.headers["location"])
        assert again.status_code == 200
        assert again.json()["company"] == "Kept Ltd"
        assert again.headers["etag"] == patched.headers["etag"]
        history = (await admin.http.get(created.headers["location"] + "/history")).json()
        assert history == history_before
        assert await playable(base_url, admin, settings, str(call["id"])) == audio_before


def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    (backup / "objects").mkdir(parents=True)
    (backup / "manifest.json").write_text(
        '{"objects": [{"key": "recordings/x.mp3", "size": 1, "sha256": "00", '
        '"content_type": "audio/mpeg"}]}'
    )
    done = run_backup_tool("restore", str(backup))
    assert done.returncode == 2
    assert "recordings/x.mp3 is missing or damaged" in done.stderr
