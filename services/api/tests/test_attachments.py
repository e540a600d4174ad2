"""Files on records, on the real stack: uploads with a presigned POST through nginx to
SeaweedFS (real signatures: S3 itself refuses a larger file or another type), completion
checked against the stored object, download links carrying the file's name, access through
the parent record, trash/restore/purge of the parent and of the file, stale uploads
removed, thumbnails made."""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from switchboard_api.attachments.jobs import inspect_attachment, remove_stale_uploads
from switchboard_api.auth.permissions import MATRIX, Role
from switchboard_api.db.attachments import Attachment
from switchboard_api.erasure.objects import delete_pending_objects
from switchboard_api.platform.resources import Resources
from switchboard_api.settings import ApiSettings

from fixtures.files import storage_key_of
from fixtures.lifecycle import Actor, unique

PER_RECORD = 3
PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    # A queue of our own: the stack's worker does not run this module's jobs behind its back.
    return settings.model_copy(
        update={
            "worker_queue": f"attachments-{secrets.token_hex(4)}",
            "attachments_per_record": PER_RECORD,
            "attachments_max_bytes": 1024 * 1024,
        }
    )


async def _record(actor: Actor, kind: str = "deals") -> dict[str, Any]:
    bodies = {
        "deals": {"title": unique("Deal ")},
        "contacts": {"name": unique("Contact ")},
    }
    created = await actor.http.post(f"/api/v1/{kind}", json=bodies[kind])
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _start(
    actor: Actor,
    parent: dict[str, Any],
    *,
    name: str,
    data: bytes,
    content_type: str,
    kind: str = "deals",
    checksum: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A pending file (its SHA-256 promised if ``checksum``) and the upload form its start
    answered with."""
    body = {
        "parent_type": kind,
        "parent_id": parent["id"],
        "name": name,
        "size": len(data),
        "content_type": content_type,
    }
    if checksum is not None:
        body["checksum_sha256"] = checksum
    created = await actor.http.post("/api/v1/attachments", json=body)
    assert created.status_code == 201, created.text
    attachment: dict[str, Any] = created.json()
    assert attachment["status"] == "pending"
    form: dict[str, Any] = attachment.pop("upload")
    return attachment, form


async def _post_form(form: dict[str, Any], data: bytes, **field_changes: str) -> httpx.Response:
    """The browser's part: the form's fields, then the file, to the form's URL (nginx)."""
    fields = {**form["fields"], **field_changes}
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(form["url"], data=fields, files={"file": ("blob", data)})


async def _uploaded(
    actor: Actor,
    parent: dict[str, Any],
    *,
    name: str,
    data: bytes,
    content_type: str,
    kind: str = "deals",
    checksum: str | None = None,
) -> dict[str, Any]:
    attachment, form = await _start(
        actor,
        parent,
        name=name,
        data=data,
        content_type=content_type,
        kind=kind,
        checksum=checksum,
    )
    sent = await _post_form(form, data)
    assert sent.status_code in {200, 201, 204}, sent.text
    done = await actor.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert done.status_code == 200, done.text
    completed: dict[str, Any] = done.json()
    assert completed["status"] == "ready"
    return completed


async def _listed(resources: Resources, key: str) -> bool:
    async with resources.s3_client() as s3:
        answer = await s3.list_objects_v2(Bucket=resources.settings.s3_bucket, Prefix=key)
    return any(item["Key"] == key for item in answer.get("Contents", []))


async def _follow(actor: Actor, path: str, **params: Any) -> httpx.Response:
    """The API's redirect, then the presigned link itself (through nginx to S3)."""
    redirect = await actor.http.get(path, params=params)
    assert redirect.status_code == 302, redirect.text
    assert redirect.headers["cache-control"] == "no-store"
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(redirect.headers["location"])


async def test_upload_complete_and_download_keep_the_cyrillic_name(agent: Actor) -> None:
    deal = await _record(agent)
    name = "Договор №7 (финал).pdf"
    done = await _uploaded(agent, deal, name=name, data=PDF, content_type="application/pdf")
    assert done["name"] == name
    assert done["size"] == len(PDF)
    assert done["uploaded_at"] is not None
    assert done["created_by"] == str(agent.user.id)

    saved = await _follow(agent, f"/api/v1/attachments/{done['id']}/download")
    assert saved.status_code == 200
    assert saved.content == PDF
    disposition = saved.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == name
    assert saved.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in saved.headers["content-security-policy"]
    assert saved.headers["x-content-type-options"] == "nosniff"

    shown = await _follow(agent, f"/api/v1/attachments/{done['id']}/download", inline="true")
    assert shown.headers["content-disposition"].startswith("inline;")
    assert shown.headers["content-type"] == "application/pdf"

    files = await agent.http.get(f"/api/v1/attachments/of/deals/{deal['id']}")
    assert files.status_code == 200
    assert [f["id"] for f in files.json()["items"]] == [done["id"]]
    again = await agent.http.post(f"/api/v1/attachments/{done['id']}/complete")
    assert again.status_code == 200
    assert again.json()["version"] == done["version"]  # a repeat changes nothing
    assert (await agent.http.post(f"/api/v1/attachments/{done['id']}/upload")).status_code == 409


async def test_html_is_never_shown_inline(agent: Actor, settings: ApiSettings) -> None:
    deal = await _record(agent)
    page = b"<script>alert(1)</script>"
    done = await _uploaded(agent, deal, name="x.txt", data=page, content_type="text/plain")
    shown = await _follow(agent, f"/api/v1/attachments/{done['id']}/download", inline="true")
    assert shown.headers["content-disposition"].startswith("attachment;")
    assert shown.headers["content-type"] == "application/octet-stream"


async def test_s3_refuses_a_larger_file_and_another_type(
    agent: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    deal = await _record(agent)
    attachment, form = await _start(
        agent, deal, name="scan.pdf", data=PDF, content_type="application/pdf"
    )
    larger = await _post_form(form, PDF + b"more")
    assert larger.status_code in {400, 403}, larger.text
    retyped = await _post_form(form, PDF, **{"Content-Type": "text/html"})
    assert retyped.status_code == 403, retyped.text
    other_key = await _post_form(form, PDF, key="attachments/elsewhere")
    assert other_key.status_code == 403, other_key.text
    assert not await _listed(resources, await storage_key_of(engine, attachment["id"]))

    missing = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert missing.status_code == 409
    assert missing.headers["content-type"].startswith("application/problem+json")

    # A fresh form (the first one expired, say) pins the same key, size and type.
    fresh = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/upload")
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["cache-control"] == "no-store"
    assert (await _post_form(fresh.json(), PDF + b"more")).status_code in {400, 403}
    assert (await _post_form(fresh.json(), PDF)).status_code in {200, 201, 204}
    done = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert done.status_code == 200, done.text


async def test_s3_refuses_bytes_whose_checksum_differs_from_the_promised_one(
    agent: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    deal = await _record(agent)
    digest = hashlib.sha256(PDF).hexdigest()
    attachment, form = await _start(
        agent, deal, name="a.pdf", data=PDF, content_type="application/pdf", checksum=digest
    )
    assert attachment["checksum_sha256"] == digest  # promised, pinned in the form
    forged = PDF[:-1] + b"!"  # the promised size and type, other bytes
    refused = await _post_form(form, forged)
    assert refused.status_code == 400, refused.text
    assert "<Code>BadDigest</Code>" in refused.text  # S3 hashed what arrived
    other = base64.b64encode(hashlib.sha256(forged).digest()).decode()
    reclaimed = await _post_form(form, forged, **{"x-amz-checksum-sha256": other})
    assert reclaimed.status_code == 403, reclaimed.text  # the policy pins the checksum
    assert not await _listed(resources, await storage_key_of(engine, attachment["id"]))

    assert (await _post_form(form, PDF)).status_code in {200, 201, 204}
    done = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["checksum_sha256"] == digest  # at once: S3 verified it
    # Nothing left for the worker: the file is never read back to be hashed.
    assert await inspect_attachment(resources, uuid.UUID(attachment["id"])) == "already measured"


async def test_completing_an_object_without_the_promised_checksum_is_422(
    agent: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    deal = await _record(agent)
    digest = hashlib.sha256(PDF).hexdigest()
    attachment, _ = await _start(
        agent, deal, name="a.pdf", data=PDF, content_type="application/pdf", checksum=digest
    )
    async with resources.s3_client() as s3:  # what an upload around the form could leave
        await s3.put_object(
            Bucket=resources.settings.s3_bucket,
            Key=await storage_key_of(engine, attachment["id"]),
            Body=PDF,
            ContentType="application/pdf",
        )
    refused = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "checksum_sha256"


@pytest.mark.parametrize(
    ("stored", "content_type", "field"),
    [(PDF + b"x", "application/pdf", "size"), (PDF, "image/png", "content_type")],
)
async def test_completing_a_different_object_is_422_naming_the_field(
    agent: Actor,
    engine: AsyncEngine,
    resources: Resources,
    *,
    stored: bytes,
    content_type: str,
    field: str,
) -> None:
    deal = await _record(agent)
    attachment, _ = await _start(
        agent, deal, name="a.pdf", data=PDF, content_type="application/pdf"
    )
    async with resources.s3_client() as s3:  # what a forged upload could leave there
        await s3.put_object(
            Bucket=resources.settings.s3_bucket,
            Key=await storage_key_of(engine, attachment["id"]),
            Body=stored,
            ContentType=content_type,
        )
    refused = await agent.http.post(f"/api/v1/attachments/{attachment['id']}/complete")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"size": 1024 * 1024 + 1}, "size"),
        ({"content_type": "text/html"}, "content_type"),
        ({"size": 0}, "size"),
        ({"name": "../"}, "name"),
        ({"checksum_sha256": "not a digest"}, "checksum_sha256"),
    ],
)
async def test_limits_are_4xx_naming_the_field(
    agent: Actor, change: dict[str, Any], field: str
) -> None:
    deal = await _record(agent)
    body = {
        "parent_type": "deals",
        "parent_id": deal["id"],
        "name": "a.pdf",
        "size": 10,
        "content_type": "application/pdf",
        **change,
    }
    refused = await agent.http.post("/api/v1/attachments", json=body)
    assert 400 <= refused.status_code < 500
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text


async def test_files_per_record_are_limited(agent: Actor) -> None:
    deal = await _record(agent)
    for _ in range(PER_RECORD):
        await _start(agent, deal, name="a.pdf", data=PDF, content_type="application/pdf")
    body = {
        "parent_type": "deals",
        "parent_id": deal["id"],
        "name": "one too many.pdf",
        "size": 10,
        "content_type": "application/pdf",
    }
    refused = await agent.http.post("/api/v1/attachments", json=body)
    assert refused.status_code == 409


async def test_a_missing_parent_is_404(agent: Actor) -> None:
    body = {
        "parent_type": "contacts",
        "parent_id": str(uuid.uuid4()),
        "name": "a.pdf",
        "size": 10,
        "content_type": "application/pdf",
    }
    assert (await agent.http.post("/api/v1/attachments", json=body)).status_code == 404


async def test_without_read_on_the_parent_the_file_is_403(
    agent: Actor, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = await _record(admin)
    done = await _uploaded(admin, deal, name="a.pdf", data=PDF, content_type="application/pdf")
    # A role that may read files but not deals (the matrix is the one authority).
    monkeypatch.setitem(MATRIX[Role.AGENT], "deals", frozenset())
    for path in (
        f"/api/v1/attachments/{done['id']}",
        f"/api/v1/attachments/{done['id']}/history",
        f"/api/v1/attachments/{done['id']}/download",
        f"/api/v1/attachments/{done['id']}/thumbnail",
        f"/api/v1/attachments/of/deals/{deal['id']}",
    ):
        refused = await agent.http.get(path)
        assert refused.status_code == 403, path
        assert "location" not in refused.headers
    listed = await agent.http.get("/api/v1/attachments", params={"parent_id": deal["id"]})
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    monkeypatch.undo()
    assert (await agent.http.get(f"/api/v1/attachments/{done['id']}/download")).status_code == 302


async def test_trashing_the_parent_hides_its_files_until_restored(agent: Actor) -> None:
    contact = await _record(agent, "contacts")
    done = await _uploaded(
        agent, contact, name="photo.pdf", data=PDF, content_type="application/pdf", kind="contacts"
    )
    files = f"/api/v1/attachments/of/contacts/{contact['id']}"
    download = f"/api/v1/attachments/{done['id']}/download"

    assert (await agent.http.delete(f"/api/v1/contacts/{contact['id']}")).status_code == 200
    assert (await agent.http.get(files)).status_code == 404
    assert (await agent.http.get(download)).status_code == 404

    assert (await agent.http.post(f"/api/v1/contacts/{contact['id']}/restore")).status_code == 200
    assert [f["id"] for f in (await agent.http.get(files)).json()["items"]] == [done["id"]]
    assert (await agent.http.get(download)).status_code == 302


async def test_the_generic_reads_hide_pending_files_and_those_of_a_trashed_parent(
    agent: Actor,
) -> None:
    contact = await _record(agent, "contacts")
    done = await _uploaded(
        agent, contact, name="a.pdf", data=PDF, content_type="application/pdf", kind="contacts"
    )
    pending, _ = await _start(
        agent, contact, name="b.pdf", data=PDF, content_type="application/pdf", kind="contacts"
    )
    one = f"/api/v1/attachments/{done['id']}"

    async def listed() -> list[str]:
        page = await agent.http.get("/api/v1/attachments", params={"parent_id": contact["id"]})
        assert page.status_code == 200, page.text
        return [f["id"] for f in page.json()["items"]]

    assert await listed() == [done["id"]]
    for path in (
        f"/api/v1/attachments/{pending['id']}",
        f"/api/v1/attachments/{pending['id']}/history",
    ):
        assert (await agent.http.get(path)).status_code == 404, path
    assert (await agent.http.get(one)).status_code == 200

    assert (await agent.http.delete(f"/api/v1/contacts/{contact['id']}")).status_code == 200
    assert await listed() == []
    for path in (one, f"{one}/history"):
        hidden = await agent.http.get(path)
        assert hidden.status_code == 404, path
        assert hidden.headers["content-type"].startswith("application/problem+json")

    assert (await agent.http.post(f"/api/v1/contacts/{contact['id']}/restore")).status_code == 200
    assert await listed() == [done["id"]]
    back = await agent.http.get(one)
    assert back.status_code == 200
    assert back.json()["id"] == done["id"]


async def test_a_trashed_file_is_listed_only_in_the_trash_and_comes_back(agent: Actor) -> None:
    deal = await _record(agent)
    done = await _uploaded(agent, deal, name="a.pdf", data=PDF, content_type="application/pdf")
    files = f"/api/v1/attachments/of/deals/{deal['id']}"
    assert (await agent.http.delete(f"/api/v1/attachments/{done['id']}")).status_code == 200
    assert (await agent.http.get(files)).json()["items"] == []
    trash = await agent.http.get(files, params={"trashed": "true"})
    assert [f["id"] for f in trash.json()["items"]] == [done["id"]]
    assert (await agent.http.get(f"/api/v1/attachments/{done['id']}/download")).status_code == 404
    assert (await agent.http.post(f"/api/v1/attachments/{done['id']}/restore")).status_code == 200
    assert [f["id"] for f in (await agent.http.get(files)).json()["items"]] == [done["id"]]


async def test_purging_a_file_deletes_its_object(
    admin: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    deal = await _record(admin)
    done = await _uploaded(admin, deal, name="a.pdf", data=PDF, content_type="application/pdf")
    key = await storage_key_of(engine, done["id"])
    assert await _listed(resources, key)
    url = f"/api/v1/attachments/{done['id']}"
    assert (await admin.http.delete(url)).status_code == 200
    assert (await admin.http.delete(f"{url}/permanent")).status_code == 204
    await delete_pending_objects(resources)
    assert not await _listed(resources, key)


async def test_purging_the_parent_purges_its_files_and_their_objects(
    admin: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    deal = await _record(admin)
    live = await _uploaded(admin, deal, name="a.pdf", data=PDF, content_type="application/pdf")
    trashed = await _uploaded(admin, deal, name="b.pdf", data=PDF, content_type="application/pdf")
    assert (await admin.http.delete(f"/api/v1/attachments/{trashed['id']}")).status_code == 200
    keys = [await storage_key_of(engine, f["id"]) for f in (live, trashed)]

    assert (await admin.http.delete(f"/api/v1/deals/{deal['id']}")).status_code == 200
    assert (await admin.http.delete(f"/api/v1/deals/{deal['id']}/permanent")).status_code == 204
    for file in (live, trashed):
        assert (await admin.http.get(f"/api/v1/attachments/{file['id']}")).status_code == 404
    await delete_pending_objects(resources)
    for key in keys:
        assert not await _listed(resources, key)


async def test_uploads_never_completed_are_removed_after_a_day(
    agent: Actor, engine: AsyncEngine, resources: Resources
) -> None:
    deal = await _record(agent)
    stale, form = await _start(agent, deal, name="a.pdf", data=PDF, content_type="application/pdf")
    assert (await _post_form(form, PDF)).status_code in {200, 201, 204}  # sent, never completed
    fresh, _ = await _start(agent, deal, name="b.pdf", data=PDF, content_type="application/pdf")
    key = await storage_key_of(engine, stale["id"])
    async with engine.begin() as conn:
        await conn.execute(
            update(Attachment)
            .where(Attachment.id == uuid.UUID(stale["id"]))
            .values(created_at=datetime.now(UTC) - timedelta(hours=25))
        )
    assert await remove_stale_uploads(resources) >= 1
    async with engine.connect() as conn:
        left = set(
            await conn.scalars(
                select(Attachment.id).where(
                    Attachment.id.in_([uuid.UUID(stale["id"]), uuid.UUID(fresh["id"])])
                )
            )
        )
    assert left == {uuid.UUID(fresh["id"])}
    await delete_pending_objects(resources)
    assert not await _listed(resources, key)


async def test_an_image_gets_its_size_checksum_and_thumbnail(
    agent: Actor, resources: Resources
) -> None:
    deal = await _record(agent)
    picture = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 40, 40)).save(picture, format="PNG")
    data = picture.getvalue()
    done = await _uploaded(agent, deal, name="фото.png", data=data, content_type="image/png")
    assert done["has_thumbnail"] is False
    assert (await agent.http.get(f"/api/v1/attachments/{done['id']}/thumbnail")).status_code == 404

    assert await inspect_attachment(resources, uuid.UUID(done["id"])) == "measured"
    measured = (await agent.http.get(f"/api/v1/attachments/{done['id']}")).json()
    assert measured["checksum_sha256"] == hashlib.sha256(data).hexdigest()
    assert (measured["width"], measured["height"]) == (800, 600)
    assert measured["has_thumbnail"] is True

    thumb = await _follow(agent, f"/api/v1/attachments/{done['id']}/thumbnail")
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as small:
        assert small.format == "JPEG"
        assert max(small.size) == 256
    shown = await _follow(agent, f"/api/v1/attachments/{done['id']}/download", inline="true")
    assert shown.headers["content-type"] == "image/png"
    assert shown.content == data


async def test_an_image_with_a_verified_checksum_still_gets_its_thumbnail(
    agent: Actor, resources: Resources
) -> None:
    deal = await _record(agent)
    picture = io.BytesIO()
    Image.new("RGB", (300, 900), (20, 140, 40)).save(picture, format="JPEG")
    data = picture.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    done = await _uploaded(
        agent, deal, name="scan.jpg", data=data, content_type="image/jpeg", checksum=digest
    )
    assert done["checksum_sha256"] == digest
    assert await inspect_attachment(resources, uuid.UUID(done["id"])) == "measured"
    measured = (await agent.http.get(f"/api/v1/attachments/{done['id']}")).json()
    assert (measured["width"], measured["height"], measured["has_thumbnail"]) == (300, 900, True)
    assert measured["checksum_sha256"] == digest
    assert await inspect_attachment(resources, uuid.UUID(done["id"])) == "already measured"
