"""Note schemas: Note / NoteCreate / NoteUpdate."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

RelatedType = Literal["contacts", "deals", "tasks", "calls"]
Body = Annotated[str, Meta(min_length=1, max_length=20_000)]


class Note(RecordFields, kw_only=True):
    """A note."""

    body: str
    author_id: uuid.UUID | None
    related_type: RelatedType | None
    related_id: uuid.UUID | None


class NoteCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new note; the author is the caller."""

    body: Body
    related_type: RelatedType | None = None
    related_id: uuid.UUID | None = None


class NoteUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a note."""

    body: Body | UnsetType = UNSET
    related_type: RelatedType | UnsetType | None = UNSET
    related_id: uuid.UUID | UnsetType | None = UNSET
