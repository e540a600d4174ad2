"""The calls entity type: registration and input normalization."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from switchboard_api.calls.schemas import Call, CallCreate, CallUpdate, Direction, Status
from switchboard_api.db.calls import Call as CallRow
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.validation import normalize_phone
from switchboard_api.notifications.rules import call_written

MANUAL_PROVIDER = "manual"
"""``provider`` of calls logged by hand."""


def prepare_call(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """E.164 numbers; a call logged by hand is final and has the ``manual`` provider."""
    region = ctx.settings.default_phone_region
    for field in ("from_number", "to_number"):
        if values.get(field) is not None:
            values[field] = normalize_phone(values[field], field, region)
    if ctx.current is None:
        values.update(provider=MANUAL_PROVIDER, is_final=True)
    return values


def call_objects(row: Mapping[str, Any]) -> list[str]:
    """A call owns its recording in S3 (if stored)."""
    key = row.get("recording_key")
    return [key] if key else []


CALLS = EntityType(
    name="calls",
    model=CallRow,
    read=Call,
    create=CallCreate,
    update=CallUpdate,
    sortable=("created_at", "updated_at", "started_at"),
    default_sort="-created_at",
    filters=(
        Filter("status", Status, "Only calls in this status."),
        Filter("direction", Direction, "Only calls in this direction."),
        Filter("employee_id", uuid.UUID, "Only calls of this employee."),
        Filter("contact_id", uuid.UUID, "Only calls with this contact."),
    ),
    prepare=prepare_call,
    redacted=frozenset(),
    stored_objects=call_objects,
    on_written=call_written,  # missed calls and stored recordings are announced
)
"""Calls in the generic lifecycle."""
