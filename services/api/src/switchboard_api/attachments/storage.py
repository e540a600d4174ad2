"""The S3 side of files: the presigned upload form, the check of what arrived, the presigned
download link with the file's own name."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from switchboard_api.attachments.schemas import UploadForm
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
        digest = base64.b64encode(bytes.fromhex(checksum_sha256)).decode("ascii")
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
