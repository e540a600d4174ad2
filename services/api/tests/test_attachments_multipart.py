"""Large files in parts, on the real stack: a file larger than a part starts an S3 multipart
upload; each part goes up with its own presigned PUT through nginx to SeaweedFS, whose
signature pins the part's length and, when given, its SHA-256 (S3 itself refuses anything
else); completing joins the parts after checking every one arrived; the worker hashes the
whole file and checks the promised digest; erasing a file never completed aborts its upload
so no parts are left behind."""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.attachments.jobs import inspect_attachment, remove_stale_uploads
from switchboard_api.db.attachments import Attachment
from switchboard_api.erasure.objects import delete_pending_objects
from switchboard_api.platform.resources import Resources
from switchboard_api.settings import ApiSettings

from fixtures.files import storage_key_of
from fixtures.lifecycle import Actor, unique

PART = 5 * 1024 * 1024  # S3's smallest part
LARGE = os.urandom(2 * PART + 1234)  # three parts: two whole, the rest


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # A queue of our own: the stack's worker does not run this module's jobs behind its back.
    return settings.model_copy(
        update={
            "worker_queue": f"multipart-{secrets.token_hex(4)}",
            "attachments_part_bytes": PART,
            "attachments_max_bytes": 4 * PART,
        }
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _part(number: int, data: bytes = LARGE) -> bytes:
    return data[(number - 1) * PART : number * PART]


async def _start(
    actor: Actor, *, data: bytes = LARGE, checksum: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    deal = await actor.http.post("/api/v1/deals", json={"title": unique("Deal ")})
    assert deal.status_code == 201, deal.text
    body = {
        "parent_type": "deals",
        "parent_id": deal.json()["id"],
        "name": "Сканы договора.pdf",
        "size": len(data),
        "content_type": "application/pdf",
    }
    if checksum is not None:
        body["checksum_sha256"] = checksum
    created = await actor.http.post("/api/v1/attachments", json=body)
    assert created.status_code == 201, created.text
    attachment: dict[str, Any] = created.json()
    upload: dict[str, Any] = attachment.pop("upload")
    return attachment, upload


async def _links(actor: Actor, attachment_id: str, parts: list[dict[str, Any]]) -> httpx.Response:
    return await actor.http.post(
        f"/api/v1/attachments/{attachment_id}/parts", json={"parts": parts}
    )


async def _put(link: dict[str, Any], data: bytes) -> httpx.Response:
    """The browser's part: the part's bytes, with the link's headers, to its URL (nginx)."""
    async with httpx.AsyncClient(timeout=60) as http:
        return await http.put(link["url"], content=data, headers=link["headers"])


async def _send_all(
    actor: Actor, attachment_id: str, data: bytes = LARGE, numbers: tuple[int, ...] = (1, 2, 3)
) -> None:
    asked = [{"number": n, "checksum_sha256": _sha256(_part(n, data))} for n in numbers]
    links = await _links(actor, attachment_id, asked)
    assert links.status_code == 200, links.text
    for link in links.json()["parts"]:
        sent = await _put(link, _part(link["number"], data))
        assert sent.status_code == 200, sent.text


async def _uploads_in_progress(resources: Resources, key: str) -> list[str]:
    async with resources.s3_client() as s3:
        listed = await s3.list_multipart_uploads(Bucket=resources.settings.s3_bucket, Prefix=key)
    return [u["UploadId"] for u in listed.get("Uploads", []) if u["Key"] == key]


async def test_a_large_file_goes_up_in_verified_parts_and_downloads_whole(
    agent: Actor, resources: Resources
) -> None:
    digest = _sha256(LARGE)
    attachment, upload = await _start(agent, checksum=digest)
    assert upload == {"method": "multipart", "part_bytes": PART, "part_count": 3}
    again = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/upload")
    assert again.status_code == 200
    assert again.json() == upload  # the layout again, not a form

    asked = [{"number": n, "checksum_sha256": _sha256(_part(n))} for n in (3, 1, 2)]
    links = await _links(agent, attachment["id"], asked)
    assert links.status_code == 200, links.text
    assert links.headers["cache-control"] == "no-store"
    by_number = {link["number"]: link for link in links.json()["parts"]}
    assert [by_number[n]["size"] for n in (1, 2, 3)] == [PART, PART, 1234]

    one = by_number[1]
    longer = await _put(one, _part(1) + b"x")
    assert longer.status_code == 403, longer.text  # the signature covers the length
    forged = b"!" + _part(1)[1:]
    refused = await _put(one, forged)
    assert refused.status_code == 400, refused.text
    assert "<Code>BadDigest</Code>" in refused.text  # S3 hashed what arrived

    early = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert early.status_code == 409, early.text  # no part has arrived yet
    assert "[1, 2, 3]" in early.json()["detail"]

    for number in (1, 2, 3):
        sent = await _put(by_number[number], _part(number))
        assert sent.status_code == 200, sent.text
    done = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert done.status_code == 200, done.text
    completed = done.json()
    assert completed["status"] == "ready"
    assert completed["size"] == len(LARGE)
    assert completed["checksum_sha256"] is None  # S3 verified the parts; the whole is next

    # The worker reads it back once, hashes it and finds the promised digest.
    assert await inspect_attachment(resources, uuid.UUID(attachment["id"]), digest) == "measured"
    measured = await agent.http.get(f"/api/v1/attachments/{attachment['id']}")
    assert measured.json()["checksum_sha256"] == digest

    redirect = await agent.http.get(f"/api/v1/attachments/{attachment['id']}/download")
    assert redirect.status_code == 302
    async with httpx.AsyncClient(timeout=60) as http:
        saved = await http.get(redirect.headers["location"])
    assert saved.status_code == 200
    assert saved.content == LARGE
    finished = await agent.http.post(
        f"/api/v1/attachments/{attachment['id']}/parts", json={"parts": [{"number": 1}]}
    )
    assert finished.status_code == 409  # completed: no more parts


async def test_part_requests_are_checked_and_named(agent: Actor) -> None:
    attachment, _ = await _start(agent)
    beyond = await _links(agent, attachment["id"], [{"number": 1}, {"number": 4}])
    assert beyond.status_code == 422, beyond.text
    assert beyond.headers["content-type"].startswith("application/problem+json")
    assert "parts[1].number" in beyond.text
    for bad in ([], [{"number": 0}], [{"number": 1, "checksum_sha256": "xyz"}], "parts"):
        answer = await _links(agent, attachment["id"], bad)  # type: ignore[arg-type]
        assert answer.status_code in {400, 422}, (bad, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    # A part without a checksum may be sent too: only its length is pinned.
    unpinned = await _links(agent, attachment["id"], [{"number": 3}])
    assert unpinned.status_code == 200
    assert unpinned.json()["parts"][0]["headers"] == {}
    assert (await _put(unpinned.json()["parts"][0], _part(3))).status_code == 200

    small, form = await _start(agent, data=b"%PDF-1.4 small")
    assert form["method"] == "post"
    one_form = await _links(agent, small["id"], [{"number": 1}])
    assert one_form.status_code == 409  # sent with one form, not in parts


async def test_a_part_of_another_length_is_422_at_completion(
    agent: Actor, resources: Resources, engine: AsyncEngine
) -> None:
    attachment, _ = await _start(agent)
    await _send_all(agent, attachment["id"], numbers=(1, 3))
    key = await storage_key_of(engine, attachment["id"])
    async with engine.connect() as conn:
        upload_id = await conn.scalar(
            select(Attachment.upload_id).where(Attachment.id == uuid.UUID(attachment["id"]))
        )
    async with resources.s3_client() as s3:  # what a client around the links could send
        await s3.upload_part(
            Bucket=resources.settings.s3_bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=2,
            Body=_part(2)[:-10],
        )
    shorter = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert shorter.status_code == 422, shorter.text
    assert shorter.json()["errors"][0]["field"] == "size"


async def test_a_file_not_matching_its_promised_digest_is_trashed(
    agent: Actor, resources: Resources
) -> None:
    attachment, _ = await _start(agent, checksum=_sha256(b"some other file"))
    await _send_all(agent, attachment["id"])  # every part S3-verified, the whole not
    done = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert done.status_code == 200, done.text
    found = await inspect_attachment(
        resources, uuid.UUID(attachment["id"]), _sha256(b"some other file")
    )
    assert found == "not the promised file: trashed"
    trashed = await agent.http.get(f"/api/v1/attachments/{attachment['id']}")
    assert trashed.json()["deleted_at"] is not None
    assert trashed.json()["checksum_sha256"] == _sha256(LARGE)  # what it really holds
    listed = await agent.http.get(f"/api/v1/attachments/of/deals/{attachment['parent_id']}")
    assert listed.json()["items"] == []


async def test_an_upload_never_completed_is_aborted_with_its_parts(
    agent: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    stale, _ = await _start(agent)
    await _send_all(agent, stale["id"])  # every part sent, never completed
    key = await storage_key_of(engine, stale["id"])
    assert len(await _uploads_in_progress(resources, key)) == 1
    async with engine.begin() as conn:
        await conn.execute(
            update(Attachment)
            .where(Attachment.id == uuid.UUID(stale["id"]))
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    assert await remove_stale_uploads(resources) >= 1
    await delete_pending_objects(resources)
    assert await _uploads_in_progress(resources, key) == []


async def test_purging_a_parent_aborts_its_files_uploads(
    admin: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    attachment, _ = await _start(admin)
    await _send_all(admin, attachment["id"])
    key = await storage_key_of(engine, attachment["id"])
    deal = f"/api/v1/deals/{attachment['parent_id']}"
    assert (await admin.http.delete(deal)).status_code == 200
    assert (await admin.http.delete(f"{deal}/permanent")).status_code == 204
    await delete_pending_objects(resources)
    assert await _uploads_in_progress(resources, key) == []
