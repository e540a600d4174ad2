"""User avatars on the real stack: started on the user, uploaded with the files' presigned
POST through nginx to SeaweedFS and completed as any file; the worker's job crops them to
squares of the right sizes and only then makes them the user's avatar; limits, who may
change whose, removal and replacement (the user falls back to initials, S3 forgets the
objects), and a user's purge taking their avatar's objects with it."""

from __future__ import annotations

import asyncio
import io
import secrets
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.attachments.jobs import inspect_attachment
from switchboard_api.avatars.rules import avatar_keys
from switchboard_api.db.attachments import Attachment
from switchboard_api.db.users import User
from switchboard_api.erasure.objects import delete_pending_objects
from switchboard_api.platform.resources import Resources
from switchboard_api.settings import ApiSettings

from fixtures.auth import UserFactory, client
from fixtures.lifecycle import SAMPLES, Actor, actor, unique, upload_file

RED, BLUE = (220, 30, 30), (30, 30, 220)


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # A queue of our own: the stack's worker does not measure this module's files first.
    return settings.model_copy(
        update={
            "worker_queue": f"avatars-{secrets.token_hex(4)}",
            "attachments_max_bytes": 512 * 1024,
        }
    )


def _picture() -> bytes:
    """A 300x200 PNG: a red centre square between blue bands (what a square crop drops)."""
    image = Image.new("RGB", (300, 200), BLUE)
    image.paste(Image.new("RGB", (200, 200), RED), (50, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _avatar_body(data: bytes, content_type: str = "image/png") -> dict[str, Any]:
    return {"name": "me.png", "size": len(data), "content_type": content_type}


async def _set_avatar(
    actor: Actor, user_id: uuid.UUID | str, resources: Resources, data: bytes
) -> dict[str, Any]:
    """Start, upload and complete an avatar, then run the worker's job on it."""
    started = await actor.http.post(f"/api/v1/users/{user_id}/avatar", json=_avatar_body(data))
    assert started.status_code == 201, started.text
    assert started.json()["parent_type"] == "users"
    file = await upload_file(actor, started.json(), data)
    assert await inspect_attachment(resources, uuid.UUID(file["id"])) == "avatar set"
    return file


async def _user(actor: Actor, user_id: uuid.UUID | str) -> dict[str, Any]:
    got = await actor.http.get(f"/api/v1/users/{user_id}")
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def _keys(engine: AsyncEngine, file_id: str) -> list[str]:
    async with engine.connect() as conn:
        key = await conn.scalar(
            select(Attachment.storage_key).where(Attachment.id == uuid.UUID(file_id))
        )
    assert key is not None
    return [str(key), *avatar_keys(str(key))]


async def _stored(resources: Resources, keys: list[str]) -> set[str]:
    async with resources.s3_client() as s3:
        listed = await s3.list_objects_v2(Bucket=resources.settings.s3_bucket, Prefix=keys[0])
    return {item["Key"] for item in listed.get("Contents", [])} & set(keys)


async def test_my_avatar_is_cropped_to_squares_and_shown_through_its_link(
    agent: Actor, supervisor: Actor, resources: Resources
) -> None:
    data = _picture()
    started = await agent.http.post(
        f"/api/v1/users/{agent.user.id}/avatar", json=_avatar_body(data)
    )
    assert started.status_code == 201, started.text
    file = await upload_file(agent, started.json(), data)
    shown = (await _user(agent, agent.user.id))["avatar_url"]
    assert not (shown or "").endswith(file["id"])  # not before its squares are made

    assert await inspect_attachment(resources, uuid.UUID(file["id"])) == "avatar set"
    url = (await _user(supervisor, agent.user.id))["avatar_url"]
    assert url == f"/api/v1/users/{agent.user.id}/avatar/{file['id']}"
    for size, pixels in (("small", 64), ("large", 256)):
        redirect = await supervisor.http.get(url, params={"size": size})
        assert redirect.status_code == 302, redirect.text
        assert redirect.headers["cache-control"].startswith("private, max-age=")
        async with httpx.AsyncClient(timeout=30) as http:
            square = await http.get(redirect.headers["location"])
        assert square.status_code == 200
        assert square.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(square.content)) as image:
            assert image.size == (pixels, pixels)
            corner = image.convert("RGB").getpixel((0, 0))
            assert isinstance(corner, tuple)
            assert corner[0] > 150, (size, corner)  # red: the blue bands are cut off
            assert corner[2] < 100, (size, corner)
    wrong = await supervisor.http.get(url, params={"size": "huge"})
    assert wrong.status_code == 400
    assert "size" in wrong.text


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"content_type": "image/gif"}, 422, "content_type"),
        ({"content_type": "application/pdf"}, 422, "content_type"),
        ({"size": 512 * 1024 + 1}, 422, "size"),  # the files' limit (this module's setting)
        ({"size": 0}, 400, "size"),
    ],
)
async def test_a_wrong_type_or_size_is_refused_naming_the_field(
    agent: Actor, body: dict[str, Any], status: int, field: str
) -> None:
    sent = {**_avatar_body(b"x" * 100), **body}
    refused = await agent.http.post(f"/api/v1/users/{agent.user.id}/avatar", json=sent)
    assert refused.status_code == status, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"].endswith(field)


async def test_another_user_cannot_change_mine_an_admin_can(
    agent: Actor, supervisor: Actor, admin: Actor, resources: Resources
) -> None:
    mine = f"/api/v1/users/{agent.user.id}/avatar"
    assert (await supervisor.http.post(mine, json=_avatar_body(_picture()))).status_code == 403
    assert (await supervisor.http.delete(mine)).status_code == 403

    file = await _set_avatar(admin, agent.user.id, resources, _picture())
    assert (await _user(agent, agent.user.id))["avatar_url"].endswith(file["id"])
    # Nor through the files' own routes, which the supervisor's role may otherwise use.
    assert (await supervisor.http.delete(f"/api/v1/attachments/{file['id']}")).status_code == 403
    assert (await agent.http.delete(mine)).status_code == 204


async def test_replaced_and_removed_avatars_fall_back_and_leave_s3(
    agent: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    first = await _set_avatar(agent, agent.user.id, resources, _picture())
    first_keys = await _keys(engine, first["id"])
    second = await _set_avatar(agent, agent.user.id, resources, _picture())
    second_link = f"/api/v1/users/{agent.user.id}/avatar/{second['id']}"
    assert (await _user(agent, agent.user.id))["avatar_url"] == second_link
    first_link = f"/api/v1/users/{agent.user.id}/avatar/{first['id']}"
    assert (await agent.http.get(first_link)).status_code == 404
    second_keys = await _keys(engine, second["id"])
    await delete_pending_objects(resources)
    assert await _stored(resources, first_keys) == set()  # replaced: deleted for good
    assert await _stored(resources, second_keys) == set(second_keys)

    removed = await agent.http.delete(f"/api/v1/users/{agent.user.id}/avatar")
    assert removed.status_code == 204
    assert (await _user(agent, agent.user.id))["avatar_url"] is None
    assert (await agent.http.get(second_link)).status_code == 404
    history = (await agent.http.get(f"/api/v1/users/{agent.user.id}/history")).json()["items"]
    assert history[-1]["actor_id"] == str(agent.user.id)  # the removal, by the user
    await delete_pending_objects(resources)
    assert await _stored(resources, second_keys) == set()


async def test_purging_a_user_deletes_their_avatar_objects(
    admin: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    created = await admin.http.post("/api/v1/users", json=SAMPLES["users"].create(unique("av")))
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    file = await _set_avatar(admin, user_id, resources, _picture())
    keys = await _keys(engine, file["id"])
    assert await _stored(resources, keys) == set(keys)

    assert (await admin.http.delete(f"/api/v1/users/{user_id}")).status_code == 200
    assert (await admin.http.delete(f"/api/v1/users/{user_id}/permanent")).status_code == 204
    assert (await admin.http.get(f"/api/v1/attachments/{file['id']}")).status_code == 404
    await delete_pending_objects(resources)
    assert await _stored(resources, keys) == set()


async def test_trashing_the_current_avatars_file_falls_back_to_initials(
    agent: Actor, admin: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    file = await _set_avatar(admin, agent.user.id, resources, _picture())
    link = f"/api/v1/users/{agent.user.id}/avatar/{file['id']}"
    before = await _user(agent, agent.user.id)
    assert before["avatar_url"] == link

    trashed = await agent.http.delete(f"/api/v1/attachments/{file['id']}")
    assert trashed.status_code == 200, trashed.text
    after = await _user(agent, agent.user.id)
    assert after["avatar_url"] is None  # a write of the user: open pages hear it
    assert after["version"] == before["version"] + 1
    history = (await agent.http.get(f"/api/v1/users/{agent.user.id}/history")).json()["items"]
    assert history[-1]["actor_id"] == str(agent.user.id)
    assert history[-1]["changes"]["avatar_url"] == {"before": link, "after": None}

    # Restored, it is a file again, not the avatar.
    restored = await agent.http.post(f"/api/v1/attachments/{file['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert (await _user(agent, agent.user.id))["avatar_url"] is None
    assert (await agent.http.get(f"/api/v1/attachments/{file['id']}")).status_code == 200

    # Purged, its objects go too (and the user is not written again).
    keys = await _keys(engine, file["id"])
    assert (await agent.http.delete(f"/api/v1/attachments/{file['id']}")).status_code == 200
    purged = await admin.http.delete(f"/api/v1/attachments/{file['id']}/permanent")
    assert purged.status_code == 204, purged.text
    assert (await _user(agent, agent.user.id))["version"] == after["version"]
    await delete_pending_objects(resources)
    assert await _stored(resources, keys) == set()


async def _lock_waits(engine: AsyncEngine, count: int) -> None:
    """Until ``count`` transactions of this database wait for a lock."""
    for _ in range(600):
        async with engine.connect() as conn:
            waiting = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} transactions never waited for a lock")


@pytest.mark.parametrize("raced", [False, True], ids=["one-after-the-other", "racing"])
async def test_of_two_avatars_adopted_together_one_file_is_left(
    agent: Actor, engine: AsyncEngine, resources: Resources, raced: bool
) -> None:
    data = _picture()
    files = []
    for _ in range(2):
        started = await agent.http.post(
            f"/api/v1/users/{agent.user.id}/avatar", json=_avatar_body(data)
        )
        assert started.status_code == 201, started.text
        files.append(await upload_file(agent, started.json(), data))
    keys = {file["id"]: await _keys(engine, file["id"]) for file in files}
    ids = [uuid.UUID(file["id"]) for file in reversed(files)]  # the later upload first
    if raced:
        # The user is locked meanwhile (as by any write of theirs): both adoptions read the
        # avatar they replace, then wait for the user together.
        async with engine.connect() as blocker:
            locked = select(User.id).where(User.id == agent.user.id).with_for_update()
            await blocker.execute(locked)
            adoptions = [asyncio.create_task(inspect_attachment(resources, i)) for i in ids]
            await _lock_waits(engine, 2)
            await blocker.rollback()
        results = await asyncio.gather(*adoptions)
    else:
        results = [await inspect_attachment(resources, i) for i in ids]
    assert results == ["avatar set", "avatar set"]

    url = (await _user(agent, agent.user.id))["avatar_url"]
    kept = [file["id"] for file in files if url.endswith(file["id"])]
    assert len(kept) == 1, url
    (lost,) = set(keys) - set(kept)
    assert (await agent.http.get(f"/api/v1/attachments/{lost}")).status_code == 404
    async with engine.connect() as conn:
        rows = await conn.scalar(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.id.in_([uuid.UUID(i) for i in keys]))
        )
    assert rows == 1  # nothing left that no one refers to
    await delete_pending_objects(resources)
    assert await _stored(resources, keys[lost]) == set()
    assert await _stored(resources, keys[kept[0]]) == set(keys[kept[0]])


async def test_me_and_login_carry_my_avatar_url(
    api_url: str, employees: UserFactory, resources: Resources
) -> None:
    async with actor(api_url, employees, "agent") as me:
        assert (await me.http.get("/api/v1/auth/me")).json()["avatar_url"] is None
        file = await _set_avatar(me, me.user.id, resources, _picture())
        mine = f"/api/v1/users/{me.user.id}/avatar/{file['id']}"
        assert (await me.http.get("/api/v1/auth/me")).json()["avatar_url"] == mine
        assert (await _user(me, me.user.id))["avatar_url"] == mine  # as the directory shows it
        async with client(api_url) as browser:
            login = {"email": me.user.email, "password": me.user.password}
            signed_in = await browser.post("/api/v1/auth/login", json=login)
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["avatar_url"] == mine
        assert (await me.http.delete(f"/api/v1/users/{me.user.id}/avatar")).status_code == 204
        assert (await me.http.get("/api/v1/auth/me")).json()["avatar_url"] is None
