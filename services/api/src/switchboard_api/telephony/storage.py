"""Streaming an object into S3 (multipart when large) while teeing it to a temp file, and
measuring an audio file's duration with ffprobe."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("switchboard_api.telephony.storage")

PART_BYTES = 5 * 1024 * 1024
"""S3 part size (the minimum S3 allows): the most of a recording held in memory at once."""


PROBE_SECONDS = 60.0


class ProbeFailed(Exception):
    """ffprobe could not read a duration from the file."""


@dataclass
class _Multipart:
    """A multipart upload in progress."""

    s3: Any
    bucket: str
    key: str
    upload_id: str
    parts: list[dict[str, Any]] = field(default_factory=list)

    async def add(self, body: bytes) -> None:
        number = len(self.parts) + 1
        answer = await self.s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    async def complete(self) -> None:
        await self.s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    async def abort(self) -> None:
        try:
            await self.s3.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )
        except Exception as exc:  # the original error matters more
            log.warning("aborting multipart upload of %s failed: %s", self.key, exc)


async def upload_stream(
    s3: Any,
    *,
    bucket: str,
    key: str,
    content_type: str,
    chunks: AsyncIterator[bytes],
    tee: IO[bytes],
) -> int:
    """Upload ``chunks`` to ``bucket/key`` (one PUT if small, multipart otherwise) and write
    them to ``tee``; returns the size. A failed multipart upload is aborted."""
    buffer = bytearray()
    upload: _Multipart | None = None
    size = 0
    try:
        async for chunk in chunks:
            buffer += chunk
            size += len(chunk)
            if len(buffer) >= PART_BYTES:
                if upload is None:
                    created = await s3.create_multipart_upload(
                        Bucket=bucket, Key=key, ContentType=content_type
                    )
                    upload = _Multipart(s3, bucket, key, created["UploadId"])
                body, buffer = bytes(buffer), bytearray()
                await asyncio.to_thread(tee.write, body)
                await upload.add(body)
        body = bytes(buffer)
        await asyncio.to_thread(tee.write, body)
        if upload is None:
            await s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
            return size
        if body:
            await upload.add(body)
        await upload.complete()
        return size
    except BaseException:
        if upload is not None:
            await upload.abort()
        raise


async def probe_duration(ffprobe: str, path: Path) -> float:
    """The media duration in seconds, as ffprobe reads it from the container/stream."""
    process = await asyncio.create_subprocess_exec(
        ffprobe,
        "-v",
        "error",
        "-show_entries",
        "format=duration",
        "-of",
        "default=noprint_wrappers=1:nokey=1",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), PROBE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise ProbeFailed("ffprobe timed out") from None
    text = out.decode().strip()
    try:
        duration = float(text)
    except ValueError:
        raise ProbeFailed(f"ffprobe: {err.decode().strip()[:200] or text[:200]}") from None
    if process.returncode != 0 or duration <= 0:
        raise ProbeFailed(f"ffprobe exit {process.returncode}, duration {text!r}")
    return duration
