"""Frames on the wire: decoding what clients send, encoding what the server sends.

Server frames carry ``data`` as a JSON *string* (Pusher's double encoding),
except ``pusher:error`` whose ``data`` is an object (reference section 2).
Encoders return UTF-8 JSON bytes, ready to be framed once and sent to many.
"""

from __future__ import annotations

from typing import Any

import msgspec

_encode = msgspec.json.encode


class BadFrame(ValueError):
    """A client frame that is not a Pusher message."""


class ClientFrame(msgspec.Struct):
    """One message from a client: an event name, maybe a channel, maybe data."""

    event: str
    channel: str | None = None
    data: Any = None


_decoder = msgspec.json.Decoder(ClientFrame)


def decode_client_frame(raw: str | bytes) -> ClientFrame:
    """Parse a client's text frame; raise :class:`BadFrame` if it is not a Pusher message."""
    try:
        return _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise BadFrame(f"invalid message: {exc}") from None


def encode_json(value: Any) -> str:
    """Compact JSON text of a value (for ``data`` strings built by the server)."""
    return _encode(value).decode()


def event_frame(
    event: str, data: str, channel: str | None = None, user_id: str | None = None
) -> bytes:
    """A server frame whose ``data`` is an already JSON-encoded string, forwarded verbatim."""
    frame: dict[str, str] = {"event": event}
    if channel is not None:
        frame["channel"] = channel
    frame["data"] = data
    if user_id is not None:
        frame["user_id"] = user_id
    return _encode(frame)


def connection_established(socket_id: str, activity_timeout: int) -> bytes:
    """The first frame of every connection."""
    data = encode_json({"socket_id": socket_id, "activity_timeout": activity_timeout})
    return event_frame("pusher:connection_established", data)


def error_frame(message: str, code: int | None) -> bytes:
    """``pusher:error``; its ``data`` is an object, unlike every other server frame."""
    return _encode({"event": "pusher:error", "data": {"message": message, "code": code}})


PONG = event_frame("pusher:pong", "{}")
PING = event_frame("pusher:ping", "{}")


def subscription_succeeded(channel: str, data: str = "{}") -> bytes:
    """Confirms a subscription; presence channels carry the member list in ``data``."""
    return event_frame("pusher_internal:subscription_succeeded", data, channel)


def signin_success(user_data: str) -> bytes:
    """Confirms ``pusher:signin``; ``user_data`` is the exact JSON string that was signed."""
    return event_frame("pusher:signin_success", encode_json({"user_data": user_data}))


def subscription_error(channel: str, error_type: str, message: str, status: int) -> bytes:
    """A refused subscription, in the form that reaches pusher-js's channel bindings."""
    data = encode_json({"type": error_type, "error": message, "status": status})
    return event_frame("pusher:subscription_error", data, channel)


def presence_data(members: dict[str, msgspec.Raw]) -> str:
    """The ``data`` of a presence ``subscription_succeeded``: ids, hash and count."""
    return encode_json({"presence": {"ids": list(members), "hash": members, "count": len(members)}})


def member_added(channel: str, user_id: str, user_info: bytes) -> bytes:
    """Sent to the other subscribers when a user's first connection joins (raw info JSON)."""
    data = encode_json({"user_id": user_id, "user_info": msgspec.Raw(user_info)})
    return event_frame("pusher_internal:member_added", data, channel)


def member_removed(channel: str, user_id: str) -> bytes:
    """Sent to the remaining subscribers when a user's last connection leaves."""
    return event_frame("pusher_internal:member_removed", encode_json({"user_id": user_id}), channel)
