"""Channel names: which kind a name denotes and whether it is acceptable."""

from __future__ import annotations

import re
from enum import Enum

_NAME = re.compile(r"[A-Za-z0-9_\-=@,.;]+")


class ChannelKind(Enum):
    """What a subscription to the channel requires."""

    PUBLIC = "public"
    PRIVATE = "private"
    ENCRYPTED = "private-encrypted"
    PRESENCE = "presence"

    @property
    def needs_auth(self) -> bool:
        """Private, encrypted and presence channels need a signature."""
        return self is not ChannelKind.PUBLIC

    @property
    def allows_client_events(self) -> bool:
        """Clients may trigger ``client-*`` events only where they are authenticated."""
        return self in (ChannelKind.PRIVATE, ChannelKind.PRESENCE)


class InvalidChannelName(ValueError):
    """The name is not a usable channel name; ``too_long`` tells a limit from a typo."""

    def __init__(self, message: str, *, too_long: bool = False) -> None:
        super().__init__(message)
        self.too_long = too_long


def channel_kind(name: str) -> ChannelKind:
    """The kind of channel a (valid) name denotes, from its prefix."""
    if name.startswith("private-encrypted-"):
        return ChannelKind.ENCRYPTED
    if name.startswith("private-"):
        return ChannelKind.PRIVATE
    if name.startswith("presence-"):
        return ChannelKind.PRESENCE
    return ChannelKind.PUBLIC


def validate_channel_name(name: object, max_length: int) -> str:
    """Return ``name`` if it is a valid channel name, else raise :class:`InvalidChannelName`."""
    if not isinstance(name, str) or not name:
        raise InvalidChannelName("channel name must be a non-empty string")
    if len(name) > max_length:
        raise InvalidChannelName(f"channel name longer than {max_length} characters", too_long=True)
    if not _NAME.fullmatch(name):
        # '#' names (server-to-user) are reserved and fall out here too.
        raise InvalidChannelName(f"invalid channel name {name!r}")
    return name
