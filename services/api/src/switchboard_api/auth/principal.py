"""The authenticated caller, as every service sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated employee and how they authenticated."""

    user_id: uuid.UUID
    role: str
    email: str
    full_name: str
    via: Literal["session", "token"]
    session_id: str | None = None
