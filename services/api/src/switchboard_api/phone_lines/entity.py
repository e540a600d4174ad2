"""The phone_lines entity type."""

from __future__ import annotations

from typing import Any

from switchboard_api.db.phone_lines import PhoneLine as PhoneLineRow
from switchboard_api.lifecycle.registry import EntityType, WriteContext
from switchboard_api.lifecycle.validation import normalize_phone
from switchboard_api.phone_lines.schemas import PhoneLine, PhoneLineCreate, PhoneLineUpdate


def prepare_line(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """The number as E.164."""
    if "number" in values:
        values["number"] = normalize_phone(
            values["number"], "number", ctx.settings.default_phone_region
        )
    return values


PHONE_LINES = EntityType(
    name="phone_lines",
    model=PhoneLineRow,
    read=PhoneLine,
    create=PhoneLineCreate,
    update=PhoneLineUpdate,
    sortable=("created_at", "updated_at", "number", "name"),
    default_sort="number",
    prepare=prepare_line,
    prepare_reads_current=False,
)
"""Phone lines in the generic lifecycle."""
