"""Personal API token strings: generation, recognisable prefix, hashing."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "sbp_"  # noqa: S105 - the public marker of our tokens
HINT_LENGTH = 8


def new_token() -> str:
    """A fresh token: ``sbp_`` + 256 random bits (URL-safe base64)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored and looked up: SHA-256 hex. The secret's entropy makes a slow hash
    unnecessary, and a fast one keeps per-request lookups cheap."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_hint(token: str) -> str:
    """The non-secret start of a token shown in lists (``sbp_`` + a few characters)."""
    return token[: len(TOKEN_PREFIX) + HINT_LENGTH]


def looks_like_token(token: str) -> bool:
    """Cheap shape check before any lookup."""
    return token.startswith(TOKEN_PREFIX) and 20 <= len(token) <= 100
