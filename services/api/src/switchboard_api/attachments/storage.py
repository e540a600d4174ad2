"""The S3 side of files: the presigned upload form, the check of what arrived, the presigned
download link with the file's own name."""

from __future__ import annotations

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
    """What S3 holds under a key."""

    size: int
    content_type: str


async def upload_form(
    resources: Resources, key: str, *, size: int, content_type: str
) -> UploadForm:
    """A presigned POST whose policy admits exactly one object: this key, exactly ``size``
    bytes, this content type; S3 itself refuses anything else."""
    seconds = resources.settings.attachments_upload_seconds
    async with resources.public_s3_client() as s3:
        form: dict[str, Any] = await s3.generate_presigned_post(
            Bucket=resources.settings.s3_bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=seconds,
        )
    expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
    return UploadForm(url=form["url"], fields=dict(form["fields"]), expires_at=expires_at)


async def stored_object(resources: Resources, key: str) -> StoredObject | None:
    """The size and type of the object under ``key``; None if there is none."""
    async with resources.s3_client() as s3:
        try:
            head = await s3.head_object(Bucket=resources.settings.s3_bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
    content_type = str(head.get("ContentType") or "").split(";", 1)[0].strip().lower()
    return StoredObject(size=int(head["ContentLength"]), content_type=content_type)


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
