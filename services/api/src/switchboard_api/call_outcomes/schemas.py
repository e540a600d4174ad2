"""Call outcome schemas: CallOutcome / CallOutcomeCreate / CallOutcomeUpdate."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Position = Annotated[int, Meta(ge=0, le=10_000, description="Order in the wrap-up's list.")]


class CallOutcome(RecordFields, kw_only=True):
    """An outcome a call's wrap-up may record."""

    name: str
    position: int


class CallOutcomeCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new outcome."""

    name: Name
    position: Position = 0


class CallOutcomeUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an outcome."""

    name: Name | UnsetType = UNSET
    position: Position | UnsetType = UNSET
