"""The attachments entity type: what a file's record accepts, and the S3 objects it owns."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from switchboard_api.attachments.schemas import (
    Attachment,
    AttachmentCreate,
    AttachmentStatus,
    AttachmentUpdate,
    OwnerType,
)
from switchboard_api.attachments.visibility import READABLE_FILES, is_completed
from switchboard_api.auth.principal import Principal
from switchboard_api.avatars.forgetting import forget_trashed_avatar
from switchboard_api.avatars.rules import AVATAR_OWNER, avatar_keys, require_avatar_change
from switchboard_api.db.attachments import Attachment as AttachmentRow
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.validation import invalid

# Control characters and the separators of any file system: a name is shown and sent back
# in Content-Disposition, never used as a path.
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_file_name(name: str) -> str:
    """The name a browser gave, without a directory part or control characters; 422 if
    nothing is left."""
    cleaned = _UNSAFE_NAME.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    if not cleaned or cleaned in {".", ".."}:
        raise invalid("name", "a file name is required")
    return cleaned


def storage_key_for(attachment_id: uuid.UUID) -> str:
    """The S3 key of a file: from a fresh id only, never from what the uploader sent."""
    digest = attachment_id.hex
    return f"attachments/{digest[:2]}/{digest}"


def thumbnail_key_for(storage_key: str) -> str:
    """Where a file's thumbnail is stored: beside the original."""
    return f"{storage_key}.thumb.jpg"


def guard_attachment(_action: str, current: Mapping[str, Any], principal: Principal) -> None:
    """An avatar (a file whose parent is a user) is changed only by that user or an admin,
    whatever the files' permissions allow."""
    if current["parent_type"] == AVATAR_OWNER:
        require_avatar_change(principal, current["parent_id"])


def prepare_attachment(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """On create: the promised size and type within the settings (and the checksum, if
    promised), a fresh storage key, the file pending until its upload completes. On every write: a clean name."""
    if "name" in values:
        values["name"] = clean_file_name(values["name"])
    if ctx.current is not None:
        guard_attachment("update", ctx.current, ctx.principal)
        return values
    if values["size"] > ctx.settings.attachments_max_bytes:
        limit = ctx.settings.attachments_max_bytes
        raise invalid("size", f"a file may hold at most {limit} bytes")
    content_type = values["content_type"].lower()
    if content_type not in ctx.settings.attachment_types:
        raise invalid("content_type", f"files of type {content_type} are not accepted")
    values["content_type"] = content_type
    if values.get("checksum_sha256") is not None:  # promised: S3 refuses other bytes
        values["checksum_sha256"] = values["checksum_sha256"].lower()
    values["id"] = attachment_id = uuid.uuid4()
    values["storage_key"] = storage_key_for(attachment_id)
    values["status"] = "pending"
    return values


def attachment_output(values: dict[str, Any]) -> dict[str, Any]:
    """The read schema's view: whether a thumbnail exists, never where files are stored."""
    values["has_thumbnail"] = values.get("thumbnail_key") is not None
    return values


def stored_objects(row: Mapping[str, Any]) -> list[str]:
    """The file, its thumbnail and an avatar's squares (named even if none was made yet: one
    may be on its way, and deleting a missing object is harmless): deleted with the record."""
    key = row["storage_key"]
    squares = avatar_keys(key) if row["parent_type"] == AVATAR_OWNER else []
    return [key, thumbnail_key_for(key), *squares]


ATTACHMENTS = EntityType(
    name="attachments",
    model=AttachmentRow,
    read=Attachment,
    create=AttachmentCreate,
    update=AttachmentUpdate,
    sortable=("created_at", "updated_at", "name", "size"),
    filters=(
        Filter("parent_type", OwnerType, "Only files of this kind of record (users: avatars)."),
        Filter("parent_id", uuid.UUID, "Only files of this record."),
        Filter("status", AttachmentStatus, "Only pending or only completed files."),
    ),
    prepare=prepare_attachment,
    to_output=attachment_output,
    guard=guard_attachment,
    on_written=forget_trashed_avatar,  # a trashed avatar is no longer shown
    stored_objects=stored_objects,
    read_scope=READABLE_FILES,
    announced=is_completed,  # a pending file is news to no one: the reads hide it too
)
"""Attachments in the generic lifecycle."""
