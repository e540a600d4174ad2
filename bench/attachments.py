"""File uploads: 100 files of 10 MiB uploaded in parallel through nginx with the product's
flow (create -> presigned POST form -> POST to S3 through nginx -> complete) against the same
bytes PUT straight to the same S3 through the same nginx (presigned PUT links): the
throughput ratio (target >= 90 %) and the API's CPU per file. Then 1,000 small photos
uploaded and completed, so the worker makes 1,000 thumbnails: its resident memory sampled
throughout (it should stay flat).

Run with ``make bench ARGS=attachments`` (the stack's nginx, API, worker and S3 are used).
``SB_BENCH_FILES`` / ``SB_BENCH_THUMBNAILS`` shrink the runs for a quick look.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from switchboard_api.auth.passwords import hash_password
from switchboard_api.platform.resources import open_resources
from switchboard_api.settings import get_settings

from realtime_support.supervised import cpu_seconds, running_pids

FILES = int(os.environ.get("SB_BENCH_FILES", "100"))
FILE_BYTES = 10 * 1024 * 1024
PARALLEL = 20  # uploads in flight at once (a browser tab sends a handful; many tabs)
THUMBNAILS = int(os.environ.get("SB_BENCH_THUMBNAILS", "1000"))
PASSWORD = "bench password, never reused"  # noqa: S105 - a throwaway bench account


class Session:
    """A signed-in admin (cookie + CSRF token) and the record the files go on."""

    def __init__(self, http: httpx.AsyncClient, csrf: str) -> None:
        self.http = http
        self.csrf = csrf
        self.contacts: list[str] = []

    async def new_contact(self) -> str:
        """A record to put files on (each holds at most ``attachments_per_record``)."""
        created = await self.post("/api/v1/contacts", {"name": f"Bench {uuid.uuid4().hex[:6]}"})
        self.contacts.append(created["id"])
        return str(created["id"])

    async def post(self, path: str, body: Any = None) -> dict[str, Any]:
        answer = await self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    async def upload(
        self, s3: httpx.AsyncClient, parent: str, name: str, data: bytes, content_type: str
    ) -> None:
        """The product's flow for one file."""
        body = {
            "parent_type": "contacts",
            "parent_id": parent,
            "name": name,
            "size": len(data),
            "content_type": content_type,
        }
        created = await self.post("/api/v1/attachments", body)
        form = await self.post(f"/api/v1/attachments/{created['id']}/upload")
        sent = await s3.post(form["url"], data=form["fields"], files={"file": (name, data)})
        sent.raise_for_status()
        await self.post(f"/api/v1/attachments/{created['id']}/complete")


async def sign_in(base_url: str, tag: str) -> Session:
    settings = get_settings()
    engine = create_async_engine(settings.database_url.get_secret_value())
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (email, full_name, role, password_hash)"
                 " VALUES (:e, 'Bench Admin', 'admin', :h)"),
            {"e": f"{tag}@example.test", "h": hash_password(PASSWORD)},
        )  # fmt: skip
    await engine.dispose()
    http = httpx.AsyncClient(base_url=base_url, timeout=300)
    login = await http.post(
        "/api/v1/auth/login", json={"email": f"{tag}@example.test", "password": PASSWORD}
    )
    login.raise_for_status()
    return Session(http, login.json()["csrf_token"])


async def gather_limited(jobs: list[Any]) -> None:
    gate = asyncio.Semaphore(PARALLEL)

    async def one(job: Any) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(job) for job in jobs))


async def presigned_flow(session: Session, data: bytes) -> tuple[float, float]:
    """Seconds for every file through the product's flow, and the API's CPU seconds."""
    parent = await session.new_contact()
    api_pid = running_pids()["api"]
    cpu_before = cpu_seconds(api_pid)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=300) as s3:
        await gather_limited(
            [session.upload(s3, parent, f"f{i}.pdf", data, "application/pdf") for i in range(FILES)]
        )
    return time.monotonic() - started, cpu_seconds(api_pid) - cpu_before


async def plain_puts(data: bytes) -> float:
    """Seconds for the same bytes PUT to the same S3 through the same nginx."""
    settings = get_settings()
    async with open_resources(settings) as resources, resources.public_s3_client() as signer:
        urls = [
            await signer.generate_presigned_url(
                "put_object",
                Params={"Bucket": settings.s3_bucket, "Key": f"bench/put-{uuid.uuid4().hex}"},
                ExpiresIn=3600,
            )
            for _ in range(FILES)
        ]
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=300) as s3:

        async def put(url: str) -> None:
            (await s3.put(url, content=data)).raise_for_status()

        await gather_limited([put(url) for url in urls])
    seconds = time.monotonic() - started
    async with open_resources(settings) as resources, resources.s3_client() as s3_api:
        for url in urls:
            key = url.split(f"/{settings.s3_bucket}/", 1)[1].split("?", 1)[0]
            await s3_api.delete_object(Bucket=settings.s3_bucket, Key=key)
    return seconds


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def photo(index: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (index % 256, 90, 160)).save(out, format="JPEG", quality=85)
    return out.getvalue()


async def thumbnails(session: Session) -> tuple[float, list[int]]:
    """Seconds until the worker has made every thumbnail, and its RSS samples (KiB)."""
    worker_pid = running_pids()["worker"]
    samples = [rss_kib(worker_pid)]
    engine = create_async_engine(get_settings().database_url.get_secret_value())
    parents = [await session.new_contact() for _ in range(0, THUMBNAILS, 100)]
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=300) as s3:
        await gather_limited(
            [
                session.upload(s3, parents[i // 100], f"photo-{i}.jpg", photo(i), "image/jpeg")
                for i in range(THUMBNAILS)
            ]
        )
    query = text(
        "SELECT count(*) FROM attachments WHERE parent_id = ANY(:p) AND thumbnail_key IS NOT NULL"
    )
    while True:
        samples.append(rss_kib(worker_pid))
        async with engine.connect() as conn:
            made = await conn.scalar(query, {"p": [uuid.UUID(p) for p in parents]})
        if made is not None and made >= THUMBNAILS:
            break
        await asyncio.sleep(0.5)
    await engine.dispose()
    return time.monotonic() - started, samples


async def cleanup(session: Session) -> None:
    """Trash and purge the bench's records: their files and objects go with them."""
    headers = {"X-CSRF-Token": session.csrf}
    for contact in session.contacts:
        path = f"/api/v1/contacts/{contact}"
        await session.http.delete(path, headers=headers)
        await session.http.delete(f"{path}/permanent", headers=headers)
    await session.http.aclose()


async def main() -> int:
    base_url = os.environ.get("SB_BASE_URL", "http://127.0.0.1:8080")
    data = os.urandom(FILE_BYTES)
    mib = FILES * FILE_BYTES / 2**20
    put_session = await sign_in(base_url, f"bench-{uuid.uuid4().hex[:8]}")
    try:
        put_seconds = await plain_puts(data)
        flow_seconds, api_cpu = await presigned_flow(put_session, data)
    finally:
        await cleanup(put_session)
    ratio = put_seconds / flow_seconds
    print(
        f"plain PUT through nginx : {FILES} x 10 MiB in {put_seconds:.1f} s = {mib / put_seconds:.0f} MiB/s"
    )
    print(
        f"presigned POST flow     : {FILES} x 10 MiB in {flow_seconds:.1f} s = {mib / flow_seconds:.0f} MiB/s"
    )
    print(f"throughput ratio        : {ratio:.0%} (target >= 90 %)")
    print(f"API CPU per file        : {api_cpu / FILES * 1000:.1f} ms")

    thumb_session = await sign_in(base_url, f"bench-{uuid.uuid4().hex[:8]}")
    try:
        seconds, samples = await thumbnails(thumb_session)
    finally:
        await cleanup(thumb_session)
    print(f"thumbnails              : {THUMBNAILS} in {seconds:.1f} s")
    print(
        f"worker RSS              : start {samples[0] / 1024:.0f} MiB, "
        f"peak {max(samples) / 1024:.0f} MiB, end {samples[-1] / 1024:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
