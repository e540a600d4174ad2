"""File uploads: 100 files of 10 MiB uploaded in parallel through nginx with the product's
flow (create, answered with the presigned POST form -> POST to S3 through nginx -> complete)
against the same bytes PUT straight to the same S3 through the same nginx (presigned PUT
links): the throughput ratio (target >= 90 %) and the API's CPU per file. Then 10 files of
64 MiB in parts (multipart: a presigned PUT per part) against the same bytes PUT whole. Then 1,000 small
photos uploaded and completed, so the worker makes 1,000 thumbnails: its resident memory
sampled throughout (it should stay flat).

Run with ``make bench ARGS=attachments`` (the stack's nginx, API, worker and S3 are used).
``SB_BENCH_FILES`` / ``SB_BENCH_ROUNDS`` / ``SB_BENCH_LARGE_FILES`` / ``SB_BENCH_THUMBNAILS``
shrink the runs for a quick look.
"""

from __future__ import annotations

import asyncio
import hashlib
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
ROUNDS = int(os.environ.get("SB_BENCH_ROUNDS", "3"))
FILE_BYTES = 10 * 1024 * 1024
PARALLEL = 20  # uploads in flight at once (a browser tab sends a handful; many tabs)
THUMBNAILS = int(os.environ.get("SB_BENCH_THUMBNAILS", "1000"))
LARGE_FILES = int(os.environ.get("SB_BENCH_LARGE_FILES", "10"))
LARGE_BYTES = 64 * 1024 * 1024  # four parts at the default part size
PASSWORD = "bench password, never reused"  # noqa: S105 - a throwaway bench account


class Session:
    """A signed-in admin (cookie + CSRF token) and the record the files go on."""

    def __init__(self, http: httpx.AsyncClient, csrf: str) -> None:
        self.http = http
        self.csrf = csrf
        self.contacts: list[str] = []
        self.retries = 0  # 503 answers tried again (reported: the machine was overloaded)

    async def new_contact(self) -> str:
        """A record to put files on (each holds at most ``attachments_per_record``)."""
        created = await self.post("/api/v1/contacts", {"name": f"Bench {uuid.uuid4().hex[:6]}"})
        self.contacts.append(created["id"])
        return str(created["id"])

    async def post(self, path: str, body: Any = None) -> dict[str, Any]:
        answer = await self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})
        if answer.status_code == 503:  # "try again" (a cache round trip timed out): once
            self.retries += 1
            await asyncio.sleep(0.5)
            answer = await self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    async def upload(
        self,
        s3: httpx.AsyncClient,
        parent: str,
        name: str,
        data: bytes,
        content_type: str,
        *,
        checksum: bool = True,
    ) -> None:
        """The product's flow for one file: the client hashes it, as a browser with Web
        Crypto does, and S3 verifies the digest; without ``checksum`` (a browser without
        Web Crypto) the worker reads the file back to hash it."""
        body = {
            "parent_type": "contacts",
            "parent_id": parent,
            "name": name,
            "size": len(data),
            "content_type": content_type,
        }
        if checksum:
            body["checksum_sha256"] = hashlib.sha256(data).hexdigest()
        created = await self.post("/api/v1/attachments", body)  # answered with the form
        form = created["upload"]
        if form["method"] == "multipart":
            await self.put_parts(s3, created["id"], form, data)
        else:
            sent = await s3.post(form["url"], data=form["fields"], files={"file": (name, data)})
            sent.raise_for_status()
        await self.post(f"/api/v1/attachments/{created['id']}/complete")

    async def put_parts(
        self, s3: httpx.AsyncClient, attachment_id: str, layout: dict[str, Any], data: bytes
    ) -> None:
        """A large file as the web client sends it: each part hashed, given its link and
        PUT, three parts of the file in flight at once."""
        size = layout["part_bytes"]
        gate = asyncio.Semaphore(3)

        async def one(number: int) -> None:
            async with gate:
                part = data[(number - 1) * size : number * size]
                asked = {"number": number, "checksum_sha256": hashlib.sha256(part).hexdigest()}
                links = await self.post(
                    f"/api/v1/attachments/{attachment_id}/parts", {"parts": [asked]}
                )
                link = links["parts"][0]
                (
                    await s3.put(link["url"], content=part, headers=link["headers"])
                ).raise_for_status()

        await asyncio.gather(*(one(n) for n in range(1, layout["part_count"] + 1)))


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


async def presigned_flow(
    session: Session, data: bytes, *, checksum: bool = True, files: int = FILES
) -> tuple[float, float, float]:
    """Seconds until every file went through the product's flow and is hashed (by S3 as it
    arrived or, without ``checksum``, by the worker reading it back), and the API's and the
    worker's CPU seconds meanwhile."""
    parent = await session.new_contact()
    pids = running_pids()
    api_before, worker_before = cpu_seconds(pids["api"]), cpu_seconds(pids["worker"])
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=300) as s3:
        await gather_limited(
            [
                session.upload(s3, parent, f"f{i}.pdf", data, "application/pdf", checksum=checksum)
                for i in range(files)
            ]
        )
    await all_hashed(parent)
    return (
        time.monotonic() - started,
        cpu_seconds(pids["api"]) - api_before,
        cpu_seconds(pids["worker"]) - worker_before,
    )


async def all_hashed(parent: str) -> None:
    """Wait until every file of ``parent`` has its checksum."""
    engine = create_async_engine(get_settings().database_url.get_secret_value())
    query = text(
        "SELECT count(*) FROM attachments WHERE parent_id = :p AND checksum_sha256 IS NULL"
    )
    try:
        while True:
            async with engine.connect() as conn:
                if not await conn.scalar(query, {"p": uuid.UUID(parent)}):
                    return
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def plain_uploads(data: bytes, *, post: bool, files: int = FILES) -> float:
    """Seconds for the same bytes sent straight to the same S3 through the same nginx, with
    presigned PUT links or (``post``) presigned POST forms made here, without the API: the
    second tells S3's cost of a POST form apart from the API's part of the flow."""
    settings = get_settings()
    keys = [f"bench/plain-{uuid.uuid4().hex}" for _ in range(files)]
    forms: list[dict[str, Any]] = []
    urls: list[str] = []
    async with open_resources(settings) as resources, resources.public_s3_client() as signer:
        for key in keys:
            if post:
                forms.append(
                    await signer.generate_presigned_post(
                        Bucket=settings.s3_bucket,
                        Key=key,
                        Fields={"Content-Type": "application/pdf"},
                        Conditions=[
                            {"Content-Type": "application/pdf"},
                            ["content-length-range", len(data), len(data)],
                        ],
                        ExpiresIn=3600,
                    )
                )
            else:
                urls.append(
                    await signer.generate_presigned_url(
                        "put_object",
                        Params={"Bucket": settings.s3_bucket, "Key": key},
                        ExpiresIn=3600,
                    )
                )
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=300) as s3:

        async def put(url: str) -> None:
            (await s3.put(url, content=data)).raise_for_status()

        async def send(form: dict[str, Any]) -> None:
            files = {"file": ("f.pdf", data)}
            (await s3.post(form["url"], data=form["fields"], files=files)).raise_for_status()

        await gather_limited([send(f) for f in forms] if post else [put(u) for u in urls])
    seconds = time.monotonic() - started
    async with open_resources(settings) as resources, resources.s3_client() as s3_api:
        for key in keys:
            await s3_api.delete_object(Bucket=settings.s3_bucket, Key=key)
    return seconds


async def large_files(session: Session) -> tuple[float, float, float, float]:
    """Large files in parts (multipart, a presigned PUT per part) against the same bytes PUT
    whole with presigned links: seconds of the plain PUTs, of the flow until every file is
    completed, and until the worker has hashed every one (S3 keeps only each part's digest,
    so the whole file is read back once); and the API's CPU seconds per file."""
    data = os.urandom(LARGE_BYTES)
    put = await plain_uploads(data, post=False, files=LARGE_FILES)
    parent = await session.new_contact()
    api_pid = running_pids()["api"]
    api_before = cpu_seconds(api_pid)
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=300) as s3:
        await gather_limited(
            [
                session.upload(s3, parent, f"big{i}.pdf", data, "application/pdf")
                for i in range(LARGE_FILES)
            ]
        )
    completed = time.monotonic() - started
    api_cpu = cpu_seconds(api_pid) - api_before
    await all_hashed(parent)
    return put, completed, time.monotonic() - started, api_cpu / LARGE_FILES


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def photo(index: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (index % 256, 90, 160)).save(out, format="JPEG", quality=85)
    return out.getvalue()


async def thumbnails(session: Session) -> tuple[float, list[tuple[int, int]]]:
    """Seconds until the worker has made every thumbnail, and its RSS (KiB) sampled every
    half second from the first upload on, each with the thumbnails made by then."""
    worker_pid = running_pids()["worker"]
    engine = create_async_engine(get_settings().database_url.get_secret_value())
    parents = [await session.new_contact() for _ in range(0, THUMBNAILS, 100)]
    query = text(
        "SELECT count(*) FROM attachments WHERE parent_id = ANY(:p) AND thumbnail_key IS NOT NULL"
    )
    samples: list[tuple[int, int]] = []

    async def sample() -> None:
        while True:
            async with engine.connect() as conn:
                made = await conn.scalar(query, {"p": [uuid.UUID(p) for p in parents]}) or 0
            samples.append((made, rss_kib(worker_pid)))
            if made >= THUMBNAILS:
                return
            await asyncio.sleep(0.5)

    started = time.monotonic()
    sampler = asyncio.create_task(sample())
    async with httpx.AsyncClient(timeout=300) as s3:
        await gather_limited(
            [
                session.upload(s3, parents[i // 100], f"photo-{i}.jpg", photo(i), "image/jpeg")
                for i in range(THUMBNAILS)
            ]
        )
    await sampler
    await engine.dispose()
    return time.monotonic() - started, samples


def rss_by_progress(samples: list[tuple[int, int]]) -> str:
    """The worker's RSS when a quarter, half, ... of the thumbnails were made: flat if it
    stops growing once the work is under way."""
    marks = []
    for quarter in (1, 2, 3, 4):
        made, kib = next((m, k) for m, k in samples if m >= THUMBNAILS * quarter // 4)
        marks.append(f"{kib / 1024:.0f} MiB at {made}")
    return ", ".join(marks)


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
    # The two scenarios alternate, ROUNDS each: this VM's speed drifts by a fifth between
    # runs a minute apart, so one of each would compare the drift more than the flows.
    put_seconds = flow_seconds = post_seconds = api_cpu = worker_cpu = 0.0
    readback_seconds = readback_worker_cpu = 0.0
    try:
        for round_ in range(1, ROUNDS + 1):
            put = await plain_uploads(data, post=False)
            flow, cpu, worker = await presigned_flow(put_session, data)
            post = await plain_uploads(data, post=True)
            readback, _, readback_worker = await presigned_flow(put_session, data, checksum=False)
            print(
                f"round {round_} (load {os.getloadavg()[0]:.1f}): plain PUT {put:.1f} s, "
                f"presigned flow {flow:.1f} s = {put / flow:.0%}; POST forms alone {post:.1f} s; "
                f"flow with the worker hashing {readback:.1f} s = {put / readback:.0%}"
            )
            put_seconds += put
            flow_seconds += flow
            post_seconds += post
            api_cpu += cpu
            worker_cpu += worker
            readback_seconds += readback
            readback_worker_cpu += readback_worker
    finally:
        await cleanup(put_session)
    ratio = put_seconds / flow_seconds
    print(
        f"plain PUT through nginx : {ROUNDS} x {FILES} x 10 MiB in {put_seconds:.1f} s = "
        f"{ROUNDS * mib / put_seconds:.0f} MiB/s"
    )
    print(
        f"presigned POST flow     : {ROUNDS} x {FILES} x 10 MiB in {flow_seconds:.1f} s = "
        f"{ROUNDS * mib / flow_seconds:.0f} MiB/s"
    )
    print(
        f"POST forms, no API      : {ROUNDS} x {FILES} x 10 MiB in {post_seconds:.1f} s = "
        f"{ROUNDS * mib / post_seconds:.0f} MiB/s"
    )
    print(f"throughput ratio        : {ratio:.0%} (target >= 90 %)")
    print(f"API CPU per file        : {api_cpu / (ROUNDS * FILES) * 1000:.1f} ms")
    print(f"worker CPU per file     : {worker_cpu / (ROUNDS * FILES) * 1000:.1f} ms")
    print(f"503s tried again        : {put_session.retries}")
    print(
        f"flow, worker hashing    : {ROUNDS} x {FILES} x 10 MiB hashed in "
        f"{readback_seconds:.1f} s = {ROUNDS * mib / readback_seconds:.0f} MiB/s, ratio "
        f"{put_seconds / readback_seconds:.0%}; worker CPU per file "
        f"{readback_worker_cpu / (ROUNDS * FILES) * 1000:.1f} ms (a browser without Web Crypto)"
    )

    large_session = await sign_in(base_url, f"bench-{uuid.uuid4().hex[:8]}")
    try:
        put, completed, hashed, api_per_file = await large_files(large_session)
    finally:
        await cleanup(large_session)
    large_mib = LARGE_FILES * LARGE_BYTES / 2**20
    print(
        f"large files, in parts   : {LARGE_FILES} x 64 MiB; plain PUT {put:.1f} s = "
        f"{large_mib / put:.0f} MiB/s; multipart flow completed in {completed:.1f} s = "
        f"{large_mib / completed:.0f} MiB/s, ratio {put / completed:.0%}; hashed by the worker "
        f"after {hashed:.1f} s = {put / hashed:.0%}; API CPU per file {api_per_file * 1000:.1f} ms"
    )

    thumb_session = await sign_in(base_url, f"bench-{uuid.uuid4().hex[:8]}")
    try:
        seconds, samples = await thumbnails(thumb_session)
    finally:
        await cleanup(thumb_session)
    print(f"thumbnails              : {THUMBNAILS} in {seconds:.1f} s")
    rss = [kib for _, kib in samples]
    print(
        f"worker RSS              : start {rss[0] / 1024:.0f} MiB, peak {max(rss) / 1024:.0f} "
        f"MiB, end {rss[-1] / 1024:.0f} MiB; {rss_by_progress(samples)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
