"""Phone line schemas: PhoneLine / PhoneLineCreate / PhoneLineUpdate."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Number = Annotated[str, Meta(min_length=1, max_length=32, description="Stored as E.164.")]
OptText = Annotated[str, Meta(max_length=200)] | None
Comment = Annotated[str, Meta(max_length=500)] | None


class PhoneLine(RecordFields, kw_only=True):
    """A company line (DID)."""

    number: str
    name: str | None
    provider: str | None
    provider_line_id: int | None
    region: str | None
    schema_name: str | None
    comment: str | None
    responsible_id: uuid.UUID | None
    """Who calls back a missed call on this line when the caller's contact has no owner."""


class PhoneLineCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A line added by hand (the PBX sync adds the provider's own)."""

    number: Number
    name: OptText = None
    comment: Comment = None
    responsible_id: uuid.UUID | None = None


class PhoneLineUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a line's label and its responsible employee."""

    name: OptText | UnsetType = UNSET
    comment: Comment | UnsetType = UNSET
    responsible_id: uuid.UUID | UnsetType | None = UNSET
