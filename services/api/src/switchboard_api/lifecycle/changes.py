"""Turning records into the JSON values events carry, and diffing them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from switchboard_api.lifecycle.registry import EntityType

REDACTED = "[redacted]"

# Bookkeeping every write touches; the history shows them per entry, not as changes.
_BOOKKEEPING = frozenset({"id", "version", "updated_at", "updated_by", "created_at", "created_by"})


def to_read(entity: EntityType, row: Mapping[str, Any]) -> msgspec.Struct:
    """The public schema of a stored row (stored-only and redacted columns dropped)."""
    values = {k: v for k, v in row.items() if k not in entity.redacted}
    if entity.to_output is not None:
        values = entity.to_output(values)
    return msgspec.convert(values, entity.read, strict=False)


def snapshot(record: msgspec.Struct) -> dict[str, Any]:
    """The record as JSON values (what events store)."""
    data: dict[str, Any] = msgspec.to_builtins(record)
    return data


def diff(
    entity: EntityType,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    raw_changed: set[str] | None = None,
) -> dict[str, Any]:
    """``{field: {"before": .., "after": ..}}`` for every field that differs; redacted
    columns in ``raw_changed`` appear with their values hidden."""
    before, after = before or {}, after or {}
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        if name in _BOOKKEEPING:
            continue
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = {"before": old, "after": new}
    for name in sorted((raw_changed or set()) & entity.redacted):
        changes[name] = {"before": REDACTED, "after": REDACTED}
    return changes
