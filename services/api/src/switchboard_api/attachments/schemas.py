"""Attachment schemas: Attachment / AttachmentCreate / AttachmentUpdate, and how a file's bytes
are uploaded (a form, or parts)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

ParentType = Literal["contacts", "deals", "tasks", "notes", "calls"]
#: What a file may belong to: a record, or a user (their avatar, uploaded as one).
OwnerType = Literal["contacts", "deals", "tasks", "notes", "calls", "users"]
FileName = Annotated[str, Meta(min_length=1, max_length=255)]
ContentType = Annotated[
    str, Meta(min_length=3, max_length=127, pattern=r"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$")
]
AttachmentStatus = Literal["pending", "ready"]
#: A SHA-256 digest as 64 hex digits.
Sha256Hex = Annotated[
    str,
    Meta(
        pattern=r"^[0-9A-Fa-f]{64}$",
        description=(
            "The file's SHA-256 (hex) as the uploader computed it: pinned in the upload "
            "form, so S3 refuses bytes that do not match it, and stored at completion "
            "(without it the worker reads the file back to hash it)."
        ),
    ),
]


class Attachment(RecordFields, kw_only=True):
    """A file tied to one record. ``pending`` until its upload is completed; the checksum,
    image size and thumbnail appear once the worker has measured it."""

    parent_type: OwnerType
    parent_id: uuid.UUID
    name: str
    size: int
    content_type: str
    status: AttachmentStatus
    checksum_sha256: str | None
    width: int | None
    height: int | None
    uploaded_at: datetime | None
    has_thumbnail: bool


class AttachmentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A file about to be uploaded: the record it belongs to and what the upload will be."""

    parent_type: ParentType
    parent_id: uuid.UUID
    name: FileName
    size: Annotated[int, Meta(ge=1)]
    content_type: ContentType
    checksum_sha256: Sha256Hex | UnsetType = UNSET


class AttachmentUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a file: only its name."""

    name: FileName | UnsetType = UNSET


class UploadForm(msgspec.Struct, kw_only=True, tag="post", tag_field="method"):
    """A presigned POST: send ``fields`` then the file (as the form field ``file``, last) as
    ``multipart/form-data`` to ``url`` before ``expires_at``. S3 refuses any other key, a
    larger or smaller file than promised, or another content type."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


class MultipartUpload(msgspec.Struct, kw_only=True, tag="multipart", tag_field="method"):
    """A large file goes up in ``part_count`` parts: each ``part_bytes`` long but the last
    (the rest), numbered from 1. Ask ``/parts`` for their presigned PUT links (each with
    its part's SHA-256, so S3 verifies every part as it arrives), PUT each part's bytes to
    its link, then complete the file."""

    part_bytes: int
    part_count: int


class PartRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One part to upload: its number and, ideally, its SHA-256 (S3 then refuses other
    bytes)."""

    number: Annotated[int, Meta(ge=1, le=10_000)]
    checksum_sha256: Sha256Hex | UnsetType = UNSET


class PartsRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The parts of a large file to hand out upload links for (any of them, any order)."""

    parts: Annotated[list[PartRequest], Meta(min_length=1, max_length=1000)]


class PartLink(msgspec.Struct, kw_only=True):
    """A presigned PUT for one part: exactly ``size`` bytes (and, if its SHA-256 was given,
    only those bytes; the PUT then sends it as ``x-amz-checksum-sha256``, base64)."""

    number: int
    size: int
    url: str
    headers: dict[str, str]


class PartLinks(msgspec.Struct, kw_only=True):
    """Upload links for the parts asked for, valid until ``expires_at``."""

    parts: list[PartLink]
    expires_at: datetime


Upload = UploadForm | MultipartUpload


class StartedAttachment(Attachment, kw_only=True):
    """A pending file as just started, with how to upload its bytes: a form (the upload
    needs no second call to the API; ``/upload`` hands out a fresh form once it expires) or,
    for a file larger than a part, the layout of its parts."""

    upload: Upload


class AttachmentList(msgspec.Struct, kw_only=True):
    """The files of one record, newest first."""

    items: list[Attachment]
