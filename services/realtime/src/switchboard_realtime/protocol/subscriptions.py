"""Deciding a ``pusher:subscribe``: channel name, signature, presence member data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from switchboard_realtime.apps import App
from switchboard_realtime.protocol.channels import (
    ChannelKind,
    InvalidChannelName,
    channel_kind,
    validate_channel_name,
)
from switchboard_shared.pusher import verify_channel_auth

MAX_USER_ID_LENGTH = 128


class SubscriptionRefused(Exception):
    """Answered with ``pusher:subscription_error``; the socket stays open."""

    def __init__(self, channel: str, error_type: str, message: str, status: int) -> None:
        super().__init__(message)
        self.channel = channel
        self.error_type = error_type
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Member:
    """A presence member: the user and the ``user_info`` JSON exactly as signed."""

    user_id: str
    user_info: bytes  # raw JSON, forwarded without re-serialising


@dataclass(frozen=True, slots=True)
class SubscribeRequest:
    """A parsed ``pusher:subscribe`` payload."""

    channel: str
    auth: str
    channel_data: str | None


@dataclass(frozen=True, slots=True)
class Grant:
    """An accepted subscription."""

    channel: str
    kind: ChannelKind
    member: Member | None


@dataclass(frozen=True, slots=True)
class SubscriptionLimits:
    """The limits a subscription is checked against."""

    max_channel_name_length: int
    max_user_info_bytes: int
    public_channels_enabled: bool = True


def parse_subscribe(data: Any) -> SubscribeRequest:
    """Read ``{"channel", "auth"?, "channel_data"?}``; raise ``ValueError`` if malformed."""
    if not isinstance(data, dict):
        raise ValueError("subscribe data must be an object")
    channel, auth, channel_data = (
        data.get("channel"),
        data.get("auth", ""),
        data.get("channel_data"),
    )
    if not isinstance(channel, str):
        raise ValueError("subscribe needs a channel")
    if not isinstance(auth, str) or not (channel_data is None or isinstance(channel_data, str)):
        raise ValueError("auth and channel_data must be strings")
    return SubscribeRequest(channel, auth, channel_data)


def authorize(
    app: App, socket_id: str, request: SubscribeRequest, limits: SubscriptionLimits
) -> Grant:
    """Accept the subscription or raise :class:`SubscriptionRefused` saying why."""
    channel = request.channel
    try:
        validate_channel_name(channel, limits.max_channel_name_length)
    except InvalidChannelName as exc:
        error_type = "LimitReached" if exc.too_long else "InvalidChannel"
        status = 4009 if exc.too_long else 400
        raise SubscriptionRefused(channel, error_type, str(exc), status) from None
    kind = channel_kind(channel)
    if not kind.needs_auth:
        if not limits.public_channels_enabled:
            message = "public channels are disabled; subscribe to private- or presence- channels"
            raise SubscriptionRefused(channel, "AuthError", message, 403)
        return Grant(channel, kind, None)
    channel_data = request.channel_data if kind is ChannelKind.PRESENCE else None
    if kind is ChannelKind.PRESENCE and channel_data is None:
        raise SubscriptionRefused(channel, "AuthError", "presence needs channel_data", 401)
    if not verify_channel_auth(
        app.key, app.secret, socket_id, channel, request.auth, channel_data=channel_data
    ):
        message = f"Invalid signature: expected HMAC SHA256 hex digest of {socket_id}:{channel}"
        raise SubscriptionRefused(channel, "AuthError", message, 401)
    member = parse_member(channel, channel_data, limits) if channel_data is not None else None
    return Grant(channel, kind, member)


class _ChannelData(msgspec.Struct):
    user_id: str | int
    user_info: msgspec.Raw = msgspec.Raw(b"null")


def parse_member(channel: str, channel_data: str, limits: SubscriptionLimits) -> Member:
    """The member a (signed) presence ``channel_data`` describes; numeric ids become strings."""
    try:
        parsed = msgspec.json.decode(channel_data, type=_ChannelData)
    except msgspec.DecodeError:
        raise SubscriptionRefused(
            channel, "InvalidChannelData", "channel_data must be JSON with a user_id", 400
        ) from None
    user_id = str(parsed.user_id)
    if not user_id or len(user_id) > MAX_USER_ID_LENGTH or "\n" in user_id:
        raise SubscriptionRefused(channel, "InvalidChannelData", "invalid user_id", 400)
    info = bytes(parsed.user_info)
    if len(info) > limits.max_user_info_bytes:
        raise SubscriptionRefused(channel, "LimitReached", "user_info is too large", 4009)
    return Member(user_id, info)
