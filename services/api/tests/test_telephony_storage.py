"""Recording transport pieces on real sockets and the real S3: streamed multipart upload,
and the download guard (provider hosts only, no redirect into private ranges)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from switchboard_api.platform.resources import open_resources
from switchboard_api.settings import get_settings
from switchboard_api.telephony.fetch import FetchRefused, check_url, open_recording
from switchboard_api.telephony.storage import PART_BYTES, probe_duration, upload_stream

MIB = 1024 * 1024


async def _chunks(total: int, seed: bytes) -> AsyncIterator[bytes]:
    sent = 0
    block = hashlib.sha256(seed).digest() * (64 * 1024 // 32)
    while sent < total:
        piece = block[: min(len(block), total - sent)]
        sent += len(piece)
        yield piece


@pytest.mark.parametrize("size", [300_000, 2 * PART_BYTES + 5 * MIB], ids=["one put", "multipart"])
async def test_streamed_upload_stores_the_exact_bytes(size: int) -> None:
    settings = get_settings()
    key = f"test/telephony/{secrets.token_hex(8)}.bin"
    expected = hashlib.sha256()
    async for piece in _chunks(size, key.encode()):
        expected.update(piece)
    with tempfile.TemporaryFile() as tee:
        async with open_resources(settings) as resources, resources.s3_client() as s3:
            stored = await upload_stream(
                s3,
                bucket=settings.s3_bucket,
                key=key,
                content_type="audio/mpeg",
                chunks=_chunks(size, key.encode()),
                tee=tee,
            )
            obj = await s3.get_object(Bucket=settings.s3_bucket, Key=key)
            got = hashlib.sha256()
            async for piece in obj["Body"].iter_chunks():
                got.update(piece)
            await s3.delete_object(Bucket=settings.s3_bucket, Key=key)
        tee.seek(0)
        teed = hashlib.sha256(tee.read()).hexdigest()
    assert stored == size
    assert obj["ContentType"] == "audio/mpeg"
    assert got.hexdigest() == expected.hexdigest() == teed


async def test_a_failed_multipart_upload_leaves_nothing() -> None:
    settings = get_settings()
    key = f"test/telephony/{secrets.token_hex(8)}.bin"

    async def broken() -> AsyncIterator[bytes]:
        async for piece in _chunks(PART_BYTES + MIB, b"x"):
            yield piece
        raise ConnectionResetError("the provider hung up")

    with tempfile.TemporaryFile() as tee:
        async with open_resources(settings) as resources, resources.s3_client() as s3:
            with pytest.raises(ConnectionResetError):
                await upload_stream(
                    s3, bucket=settings.s3_bucket, key=key, content_type="audio/mpeg",
                    chunks=broken(), tee=tee,
                )  # fmt: skip
            listed = await s3.list_objects_v2(Bucket=settings.s3_bucket, Prefix=key)
            uploads = await s3.list_multipart_uploads(Bucket=settings.s3_bucket, Prefix=key)
    assert listed.get("KeyCount", 0) == 0
    assert not uploads.get("Uploads")


async def test_ffprobe_measures_a_generated_tone(tmp_path: Path) -> None:
    path = tmp_path / "tone.mp3"
    ffmpeg = await asyncio.create_subprocess_exec(
        "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2.5",
        "-q:a", "9", str(path),
    )  # fmt: skip
    assert await ffmpeg.wait() == 0
    assert 2.45 <= await probe_duration("/usr/bin/ffprobe", path) <= 2.6


@asynccontextmanager
async def file_server() -> AsyncIterator[str]:
    """A local 'provider' serving audio, redirects to elsewhere, and non-audio."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def audio(_: web.Request) -> web.Response:
        return web.Response(body=b"ID3" + b"\0" * 1000, content_type="audio/mpeg")

    async def to_private(_: web.Request) -> web.Response:
        raise web.HTTPFound("http://10.1.2.3/recording.mp3")

    async def to_self(_: web.Request) -> web.Response:
        raise web.HTTPFound("/audio")

    async def html(_: web.Request) -> web.Response:
        return web.Response(text="<html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/audio", audio)
    app.router.add_get("/private", to_private)
    app.router.add_get("/self", to_self)
    app.router.add_get("/html", html)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        yield base
    finally:
        await runner.cleanup()


async def _fetch(url: str, hosts: frozenset[str], provider_host: str = "127.0.0.1") -> bytes:
    async with (
        aiohttp.ClientSession() as session,
        open_recording(
            session, url, allowed_hosts=hosts, provider_host=provider_host, max_bytes=10_000
        ) as (_media, chunks),
    ):
        return b"".join([c async for c in chunks])


async def test_only_the_provider_hosts_and_no_private_redirects() -> None:
    async with file_server() as base:
        provider = frozenset({"127.0.0.1"})
        assert len(await _fetch(f"{base}/audio", provider)) == 1003
        assert len(await _fetch(f"{base}/self", provider)) == 1003  # redirect on the same host
        with pytest.raises(FetchRefused, match="not one of the provider"):
            await _fetch(f"{base}/private", provider)  # 10.1.2.3 is not a provider host
        with pytest.raises(FetchRefused, match="private address"):
            # even an allowed name may not lead into a private range (only the API host may)
            await _fetch(f"{base}/private", provider | {"10.1.2.3"})
        with pytest.raises(FetchRefused, match="not audio"):
            await _fetch(f"{base}/html", provider)
        with pytest.raises(FetchRefused, match="not one of the provider"):
            await _fetch(f"{base}/audio", frozenset({"files.mango-office.ru"}), "app.mango.ru")
    with pytest.raises(FetchRefused, match="http"):
        await check_url("file:///etc/passwd", provider, "127.0.0.1")
