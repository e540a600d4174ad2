"""The S3 side of files: the presigned upload form (or, for a large file, a multipart upload
and a presigned PUT per part), the check of what arrived, the presigned download link with
the file's own name."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from switchboard_api.attachments.schemas import PartLink, UploadForm
from switchboard_api.platform.resources import Resources

# Shown in the browser rather than saved: types that cannot run script in any browser.
# (Never SVG or HTML; the bucket's sandboxing headers are the second line of defence.)
INLINE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "audio/mpeg",
        "audio/wav",
    }
)


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What S3 holds under a key: its size, type and the SHA-256 (hex) S3 verified when it
    was uploaded with one (None otherwise)."""

    size: int
    content_type: str
    checksum_sha256: str | None


async def upload_form(
    resources: Resources, key: str, *, size: int, content_type: str, checksum_sha256: str | None
) -> UploadForm:
    """A presigned POST whose policy admits exactly one object: this key, exactly ``size``
    bytes, this content type and, if one was promised, this SHA-256; S3 itself refuses
    anything else (bytes whose digest differs: ``BadDigest``)."""
    seconds = resources.settings.attachments_upload_seconds
    fields = {"Content-Type": content_type}
    if checksum_sha256 is not None:
        digest = _base64_digest(checksum_sha256)
        fields |= {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-sha256": digest}
    conditions: list[Any] = [{name: value} for name, value in fields.items()]
    async with resources.public_s3_client() as s3:
        form: dict[str, Any] = await s3.generate_presigned_post(
            Bucket=resources.settings.s3_bucket,
            Key=key,
            Fields=fields,
            Conditions=[*conditions, ["content-length-range", size, size]],
            ExpiresIn=seconds,
        )
    expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
    return UploadForm(url=form["url"], fields=dict(form["fields"]), expires_at=expires_at)


def _base64_digest(checksum_sha256: str) -> str:
    """A hex SHA-256 as S3's ``x-amz-checksum-sha256`` spells it (base64)."""
    return base64.b64encode(bytes.fromhex(checksum_sha256)).decode("ascii")


def part_sizes(size: int, part_bytes: int) -> list[int]:
    """The sizes of a ``size``-byte file's parts: ``part_bytes`` each, the rest last."""
    full, rest = divmod(size, part_bytes)
    return [part_bytes] * full + ([rest] if rest else [])


async def start_multipart(resources: Resources, key: str, *, content_type: str) -> str:
    """A multipart upload of ``key`` whose object will carry ``content_type``; its id."""
    async with resources.s3_client() as s3:
        started = await s3.create_multipart_upload(
            Bucket=resources.settings.s3_bucket, Key=key, ContentType=content_type
        )
    return str(started["UploadId"])


async def part_link(
    resources: Resources,
    key: str,
    upload_id: str,
    *,
    number: int,
    size: int,
    checksum_sha256: str | None,
) -> PartLink:
    """A presigned PUT of one part whose signature covers its exact length and, if given,
    its SHA-256: S3 refuses a part of another length (the signature no longer matches) or
    other bytes (``BadDigest``)."""
    params: dict[str, Any] = {
        "Bucket": resources.settings.s3_bucket,
        "Key": key,
        "UploadId": upload_id,
        "PartNumber": number,
        "ContentLength": size,
    }
    headers: dict[str, str] = {}
    if checksum_sha256 is not None:
        params["ChecksumSHA256"] = headers["x-amz-checksum-sha256"] = _base64_digest(
            checksum_sha256
        )
    async with resources.public_s3_client() as s3:
        url: str = await s3.generate_presigned_url(
            "upload_part", Params=params, ExpiresIn=resources.settings.attachments_upload_seconds
        )
    return PartLink(number=number, size=size, url=url, headers=headers)


async def uploaded_parts(
    resources: Resources, key: str, upload_id: str
) -> dict[int, list[tuple[int, str]]]:
    """The parts S3 holds for an upload: number -> every (size, ETag) held for it (a part
    sent again may be held twice: SeaweedFS keeps both until completion); empty if the
    upload is gone."""
    async with resources.s3_client() as s3:
        try:
            listed = await s3.list_parts(
                Bucket=resources.settings.s3_bucket, Key=key, UploadId=upload_id
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchUpload":
                return {}
            raise
    held: dict[int, list[tuple[int, str]]] = {}
    for part in listed.get("Parts", []):
        held.setdefault(int(part["PartNumber"]), []).append((int(part["Size"]), str(part["ETag"])))
    return held


async def finish_multipart(
    resources: Resources, key: str, upload_id: str, etags: list[str]
) -> None:
    """Join the parts (numbered 1.. in order, with these ETags) into the object."""
    async with resources.s3_client() as s3:
        await s3.complete_multipart_upload(
            Bucket=resources.settings.s3_bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={
                "Parts": [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, 1)]
            },
        )


async def stored_object(resources: Resources, key: str) -> StoredObject | None:
    """The size, type and verified SHA-256 of the object under ``key``; None if there is
    none."""
    async with resources.s3_client() as s3:
        try:
            head = await s3.head_object(
                Bucket=resources.settings.s3_bucket, Key=key, ChecksumMode="ENABLED"
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
    content_type = str(head.get("ContentType") or "").split(";", 1)[0].strip().lower()
    return StoredObject(
        size=int(head["ContentLength"]),
        content_type=content_type,
        checksum_sha256=_hex_digest(head.get("ChecksumSHA256")),
    )


def _hex_digest(checksum: object) -> str | None:
    """S3's base64 SHA-256 as hex; None for none (or a composite one of a multipart upload,
    ``<base64>-<parts>``, which is not the file's digest)."""
    if not isinstance(checksum, str):
        return None
    try:
        raw = base64.b64decode(checksum, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def content_disposition(name: str, *, inline: bool) -> str:
    """``Content-Disposition`` carrying ``name`` (RFC 6266): an ASCII fallback for old
    clients and the exact name, Cyrillic and all, as RFC 5987 ``filename*``."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def download_url(
    resources: Resources, key: str, *, name: str, content_type: str, inline: bool
) -> str:
    """A short-lived presigned GET through nginx; shown inline only for a safe type."""
    shown = inline and content_type in INLINE_TYPES
    async with resources.public_s3_client() as s3:
        url: str = await s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": resources.settings.s3_bucket,
                "Key": key,
                "ResponseContentType": content_type if shown else "application/octet-stream",
                "ResponseContentDisposition": content_disposition(name, inline=shown),
            },
            ExpiresIn=resources.settings.attachments_url_seconds,
        )
    return url
