"""The notes entity type: the author is whoever writes the note."""

from __future__ import annotations

import uuid
from typing import Any

from switchboard_api.db.notes import Note as NoteRow
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.related import check_related_pair
from switchboard_api.notes.schemas import Note, NoteCreate, NoteUpdate, RelatedType
from switchboard_api.notifications.rules import note_written


def prepare_note(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """Set the author on create; check the related record pair."""
    if ctx.current is None:
        values["author_id"] = ctx.principal.user_id
    return check_related_pair(values, ctx)


NOTES = EntityType(
    name="notes",
    model=NoteRow,
    read=Note,
    create=NoteCreate,
    update=NoteUpdate,
    filters=(
        Filter("author_id", uuid.UUID, "Only notes by this user."),
        Filter("related_type", RelatedType, "Only notes about this kind of record."),
        Filter("related_id", uuid.UUID, "Only notes about this record."),
    ),
    prepare=prepare_note,
    on_written=note_written,  # the mentioned are told
)
"""Notes in the generic lifecycle."""
