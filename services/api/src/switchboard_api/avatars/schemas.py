"""Avatar schemas: the image a user is about to upload."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.attachments.schemas import ContentType, FileName, Sha256Hex


class AvatarCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An image about to be uploaded as a user's avatar (JPEG, PNG or WebP, within the
    files' size limit); then upload it and complete it as any file."""

    name: FileName
    size: Annotated[int, Meta(ge=1)]
    content_type: ContentType
    checksum_sha256: Sha256Hex | UnsetType = UNSET


class AvatarFile(msgspec.Struct, kw_only=True):
    """The pending file an :class:`AvatarCreate` becomes: a file whose parent is the user."""

    parent_type: Literal["users"]
    parent_id: uuid.UUID
    name: str
    size: int
    content_type: str
    checksum_sha256: str | UnsetType = UNSET
