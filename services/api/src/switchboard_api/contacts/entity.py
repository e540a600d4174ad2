"""The contacts entity type: registration and input normalization."""

from __future__ import annotations

import uuid
from typing import Any

from switchboard_api.contacts.schemas import Contact, ContactCreate, ContactUpdate
from switchboard_api.db.contacts import Contact as ContactRow
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.validation import normalize_email, normalize_phone


def prepare_contact(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """E.164 phones (mirrored into ``phone_numbers`` for lookups), valid emails, tags
    without duplicates."""
    if "emails" in values:
        values["emails"] = [
            normalize_email(email, f"emails[{i}]") for i, email in enumerate(values["emails"])
        ]
    if "phones" in values:
        region = ctx.settings.default_phone_region
        phones = [
            {**phone, "number": normalize_phone(phone["number"], f"phones[{i}].number", region)}
            for i, phone in enumerate(values["phones"])
        ]
        values["phones"] = phones
        values["phone_numbers"] = list(dict.fromkeys(p["number"] for p in phones))
    if "tags" in values:
        values["tags"] = list(dict.fromkeys(values["tags"]))
    return values


CONTACTS = EntityType(
    name="contacts",
    model=ContactRow,
    read=Contact,
    create=ContactCreate,
    update=ContactUpdate,
    sortable=("created_at", "updated_at", "name"),
    filters=(
        Filter("owner_id", uuid.UUID, "Only contacts of this owner."),
        Filter("tag", str, "Only contacts with this tag.", column="tags", op="contains"),
        Filter(
            "company",
            str,
            "Only contacts whose company holds this text or a word resembling it (typos).",
            op="similar",
        ),
    ),
    prepare=prepare_contact,
    prepare_reads_current=False,
)
"""Contacts in the generic lifecycle."""
