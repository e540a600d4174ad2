"""Pusher Channels signatures: channel auth, user sign-in, HTTP API request signing, webhooks.

One implementation used by both sides: the API signs channel subscriptions and
publishes through the realtime HTTP API; the realtime service verifies both.
Everything is HMAC-SHA256 with the app secret, lowercase hex
(see ``shared/protocols/pusher-channels.md`` sections 8 and 14).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

AUTH_VERSION = "1.0"
#: How far ``auth_timestamp`` may be from the server clock, in seconds (Pusher: 600).
TIMESTAMP_WINDOW_SECONDS = 600


def hmac_sha256_hex(secret: str, message: str | bytes) -> str:
    """Lowercase hex HMAC-SHA256 of ``message`` keyed with ``secret``."""
    raw = message.encode() if isinstance(message, str) else message
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def body_md5(body: bytes) -> str:
    """The ``body_md5`` query parameter for a request body."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


# -- channel subscriptions and user sign-in ---------------------------------------------


def channel_string_to_sign(socket_id: str, channel: str, channel_data: str | None = None) -> str:
    """``socket_id:channel`` (private) or ``socket_id:channel:channel_data`` (presence)."""
    if channel_data is None:
        return f"{socket_id}:{channel}"
    return f"{socket_id}:{channel}:{channel_data}"


def channel_auth(
    key: str, secret: str, socket_id: str, channel: str, channel_data: str | None = None
) -> str:
    """The ``auth`` value (``key:signature``) a client sends to subscribe to ``channel``."""
    signature = hmac_sha256_hex(secret, channel_string_to_sign(socket_id, channel, channel_data))
    return f"{key}:{signature}"


def user_auth(key: str, secret: str, socket_id: str, user_data: str) -> str:
    """The ``auth`` value for ``pusher:signin`` with the exact ``user_data`` JSON string."""
    return f"{key}:{hmac_sha256_hex(secret, f'{socket_id}::user::{user_data}')}"


def verify_channel_auth(
    key: str,
    secret: str,
    socket_id: str,
    channel: str,
    auth: str,
    *,
    channel_data: str | None = None,
) -> bool:
    """Whether ``auth`` is this app's valid signature for the subscription (constant time)."""
    expected = channel_auth(key, secret, socket_id, channel, channel_data)
    return hmac.compare_digest(expected.encode(), auth.encode())


# -- HTTP API request signing -----------------------------------------------------------


class RequestAuthError(ValueError):
    """A signed HTTP API request failed verification; the message says why (for a 401)."""


def request_string_to_sign(method: str, path: str, params: Mapping[str, str]) -> str:
    """``METHOD\\npath\\nk=v&...`` over every param but ``auth_signature``, keys sorted."""
    pairs = sorted((k.lower(), v) for k, v in params.items() if k.lower() != "auth_signature")
    query = "&".join(f"{k}={v}" for k, v in pairs)
    return f"{method.upper()}\n{path}\n{query}"


def sign_request(
    key: str,
    secret: str,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    params: Mapping[str, str] | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """All query params (the caller's plus the auth ones) for a signed API request."""
    signed = dict(params or {})
    signed["auth_key"] = key
    signed["auth_timestamp"] = str(int(time.time()) if timestamp is None else timestamp)
    signed["auth_version"] = AUTH_VERSION
    if body:
        signed["body_md5"] = body_md5(body)
    signed["auth_signature"] = hmac_sha256_hex(secret, request_string_to_sign(method, path, signed))
    return signed


def verify_request(
    key: str,
    secret: str,
    method: str,
    path: str,
    *,
    params: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> None:
    """Check a signed API request; raise :class:`RequestAuthError` saying what is wrong."""
    if params.get("auth_key") != key:
        raise RequestAuthError("unknown auth_key")
    try:
        timestamp = int(params.get("auth_timestamp", ""))
    except ValueError:
        raise RequestAuthError("auth_timestamp missing or not an integer") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > TIMESTAMP_WINDOW_SECONDS:
        raise RequestAuthError("auth_timestamp outside the allowed window")
    if params.get("auth_version", AUTH_VERSION) != AUTH_VERSION:
        raise RequestAuthError("unsupported auth_version")
    if (body or "body_md5" in params) and not hmac.compare_digest(
        params.get("body_md5", ""), body_md5(body)
    ):
        raise RequestAuthError("body_md5 does not match the body")
    expected = hmac_sha256_hex(secret, request_string_to_sign(method, path, params))
    if not hmac.compare_digest(expected.encode(), params.get("auth_signature", "").encode()):
        raise RequestAuthError("invalid auth_signature")


# -- webhooks ---------------------------------------------------------------------------


def webhook_signature(secret: str, body: bytes) -> str:
    """The ``X-Pusher-Signature`` header value for a webhook body."""
    return hmac_sha256_hex(secret, body)
