"""What avatars are: which files may be one, their square sizes, where those are stored,
who may change a user's avatar, and the URL a user's representation carries."""

from __future__ import annotations

import uuid
from typing import Literal

from switchboard_api.auth.permissions import Role
from switchboard_api.auth.principal import Principal
from switchboard_api.errors import Forbidden

AVATAR_OWNER = "users"
"""The ``parent_type`` of a file that is (or is to be) a user's avatar."""

AVATAR_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
"""Images an avatar may be uploaded as (no GIF: an avatar does not move)."""

AvatarSize = Literal["small", "large"]
#: Square sides in pixels: ``small`` for lists, presence and history (up to 32 CSS pixels on
#: a 2x screen), ``large`` for the profile and the header's menu.
AVATAR_PIXELS: dict[AvatarSize, int] = {"small": 64, "large": 256}


def avatar_key(storage_key: str, size: AvatarSize) -> str:
    """Where one square of an avatar is stored: beside the original."""
    return f"{storage_key}.avatar-{AVATAR_PIXELS[size]}.jpg"


def avatar_keys(storage_key: str) -> list[str]:
    """Every square of an avatar (deleted with it)."""
    return [avatar_key(storage_key, size) for size in AVATAR_PIXELS]


def may_change_avatar(principal: Principal, user_id: uuid.UUID) -> bool:
    """A user sets, replaces and removes their own avatar; an admin anyone's."""
    return principal.user_id == user_id or principal.role == Role.ADMIN


def require_avatar_change(principal: Principal, user_id: uuid.UUID) -> None:
    """Raise :class:`Forbidden` unless :func:`may_change_avatar`."""
    if not may_change_avatar(principal, user_id):
        raise Forbidden("only the user themselves or an admin may change a user's avatar")


def avatar_url(user_id: uuid.UUID, avatar_id: uuid.UUID) -> str:
    """The stable address of a user's avatar (``?size=small|large``): a new avatar is a new
    address, so a browser may keep what it fetched."""
    return f"/api/v1/users/{user_id}/avatar/{avatar_id}"
