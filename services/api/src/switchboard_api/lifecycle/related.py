"""Checks for records that point at another record by (``related_type``, ``related_id``)."""

from __future__ import annotations

from typing import Any

from switchboard_api.lifecycle.registry import WriteContext
from switchboard_api.lifecycle.validation import invalid


def check_related_pair(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """``related_type`` and ``related_id`` are both set or both empty (after the change)."""
    if "related_type" not in values and "related_id" not in values:
        return values
    current = ctx.current or {}
    related_type = values.get("related_type", current.get("related_type"))
    related_id = values.get("related_id", current.get("related_id"))
    if (related_type is None) != (related_id is None):
        missing = "related_id" if related_id is None else "related_type"
        raise invalid(missing, "related_type and related_id go together")
    return values
