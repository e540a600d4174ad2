"""Which realtime channels exist and who may subscribe to them (no I/O).

Channels (DESIGN.md §4): ``private-T`` (every change of type T), ``private-T.{id}`` (one
record), ``presence-T.{id}`` (who is looking at a record) and ``private-user.{user_id}``
(personal). Access follows the permission matrix: read on T.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from switchboard_api.auth.permissions import Action, can
from switchboard_api.auth.principal import Principal

#: Pusher's channel-name limit, prefix included.
MAX_CHANNEL_LENGTH = 164
_CHANNEL_CHARS = re.compile(r"[A-Za-z0-9_\-=@,.;]+")
_SOCKET_ID = re.compile(r"\d{1,20}\.\d{1,20}")
_TYPE = re.compile(r"[a-z][a-z0-9_]{0,31}")
PERSONAL = "user"


class ChannelError(ValueError):
    """A socket id or channel name is malformed (a 400, naming ``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Kind(StrEnum):
    """Channel prefixes we sign for."""

    PRIVATE = "private"
    PRESENCE = "presence"


@dataclass(frozen=True, slots=True)
class Channel:
    """A parsed channel name: ``{kind}-{topic}`` or ``{kind}-{topic}.{record_id}``."""

    name: str
    kind: Kind
    topic: str
    record_id: uuid.UUID | None

    @property
    def is_personal(self) -> bool:
        """``private-user.{id}``: one employee's own channel."""
        return self.topic == PERSONAL


def check_socket_id(socket_id: str) -> str:
    """The socket id if it has Pusher's ``digits.digits`` form."""
    if not _SOCKET_ID.fullmatch(socket_id):
        raise ChannelError("socket_id", "must look like 1234.5678")
    return socket_id


def parse_channel(name: str) -> Channel:
    """Parse a private or presence channel name, or raise :class:`ChannelError`."""
    if not name or len(name) > MAX_CHANNEL_LENGTH or not _CHANNEL_CHARS.fullmatch(name):
        raise ChannelError(
            "channel_name", f"must be 1-{MAX_CHANNEL_LENGTH} characters of [A-Za-z0-9_-=@,.;]"
        )
    kind_text, _, rest = name.partition("-")
    if kind_text not in (Kind.PRIVATE, Kind.PRESENCE) or rest.startswith("encrypted-"):
        raise ChannelError("channel_name", "only private- and presence- channels need auth")
    topic, dot, record = rest.partition(".")
    if not _TYPE.fullmatch(topic):
        raise ChannelError("channel_name", "unknown channel form")
    record_id: uuid.UUID | None = None
    if dot:
        try:
            record_id = uuid.UUID(record)
        except ValueError:
            raise ChannelError("channel_name", "the part after '.' must be a UUID") from None
        if str(record_id) != record:  # canonical form only: the relay publishes that one
            raise ChannelError("channel_name", "the part after '.' must be a lowercase UUID")
    kind = Kind(kind_text)
    if kind is Kind.PRESENCE and record_id is None:
        raise ChannelError("channel_name", "presence channels are per record: presence-T.{id}")
    if topic == PERSONAL and (kind is not Kind.PRIVATE or record_id is None):
        raise ChannelError("channel_name", "personal channels are private-user.{user_id}")
    return Channel(name=name, kind=kind, topic=topic, record_id=record_id)


def may_subscribe(principal: Principal, channel: Channel) -> bool:
    """Whether ``principal`` may subscribe: own personal channel, or read on the type."""
    if channel.is_personal:
        return channel.record_id == principal.user_id
    return can(principal.role, channel.topic, Action.READ)


def entity_channels(entity_type: str, entity_id: uuid.UUID) -> tuple[str, str]:
    """The channels one record's change is published on: its type's and its own."""
    return f"{Kind.PRIVATE}-{entity_type}", f"{Kind.PRIVATE}-{entity_type}.{entity_id}"


def personal_channel(user_id: uuid.UUID) -> str:
    """An employee's own channel (popups and other moments meant for them alone)."""
    return f"{Kind.PRIVATE}-{PERSONAL}.{user_id}"
