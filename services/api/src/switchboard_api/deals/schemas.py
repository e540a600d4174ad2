"""Deal schemas: Deal / DealCreate / DealUpdate. Amounts travel as decimal strings."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Stage = Literal["new", "qualified", "proposal", "won", "lost"]
Title = Annotated[str, Meta(min_length=1, max_length=200)]
Amount = Annotated[
    str,
    Meta(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$", description="A decimal amount, e.g. 1500.00."),
]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. RUB.")]


class Deal(RecordFields, kw_only=True):
    """A deal."""

    title: str
    contact_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    stage: Stage
    amount: str
    currency: str
    expected_close_date: date | None


class DealCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new deal."""

    title: Title
    contact_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    stage: Stage = "new"
    amount: Amount = "0"
    currency: Currency = "RUB"
    expected_close_date: date | None = None


class DealUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a deal; a stage may only move along the pipeline."""

    title: Title | UnsetType = UNSET
    contact_id: uuid.UUID | UnsetType | None = UNSET
    owner_id: uuid.UUID | UnsetType | None = UNSET
    stage: Stage | UnsetType = UNSET
    amount: Amount | UnsetType = UNSET
    currency: Currency | UnsetType = UNSET
    expected_close_date: date | UnsetType | None = UNSET
