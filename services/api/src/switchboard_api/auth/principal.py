"""The authenticated caller, as every service sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated employee and how they authenticated.

    ``session_id``/``csrf_token`` are set for cookie sessions, ``token_id`` for API tokens.
    """

    user_id: uuid.UUID
    role: str
    email: str
    full_name: str
    via: Literal["session", "token"]
    session_id: str | None = None
    extension: str | None = None
    csrf_token: str | None = None
    token_id: uuid.UUID | None = None
