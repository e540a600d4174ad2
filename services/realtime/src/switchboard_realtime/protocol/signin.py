"""Deciding a ``pusher:signin``: the app server's signature over ``user_data`` and its id.

A signed-in connection belongs to one user: the HTTP API's ``terminate_connections`` closes
it, and it may subscribe to that user's ``#server-to-user-{id}`` channel.
"""

from __future__ import annotations

import hmac
from typing import Any

import msgspec

from switchboard_realtime.apps import App
from switchboard_realtime.protocol.channels import ChannelKind
from switchboard_realtime.protocol.subscriptions import (
    MAX_USER_ID_LENGTH,
    Grant,
    SubscriptionRefused,
)
from switchboard_shared.pusher import user_auth

SERVER_TO_USER_PREFIX = "#server-to-user-"


class SigninRefused(Exception):
    """The sign-in is refused; the connection is closed with 4009 (unauthorized)."""


class _UserData(msgspec.Struct):
    id: str


def signed_in_user(app: App, socket_id: str, data: Any) -> str:
    """The user id a valid ``{"auth", "user_data"}`` signs in as, else :class:`SigninRefused`."""
    if not isinstance(data, dict):
        raise SigninRefused("signin data must be an object")
    auth, user_data = data.get("auth"), data.get("user_data")
    if not isinstance(auth, str) or not isinstance(user_data, str):
        raise SigninRefused("signin needs auth and user_data strings")
    expected = user_auth(app.key, app.secret, socket_id, user_data)
    if not hmac.compare_digest(expected.encode(), auth.encode()):
        raise SigninRefused(f"Invalid signature for {socket_id}::user::<user_data>")
    try:
        user_id = msgspec.json.decode(user_data, type=_UserData).id
    except msgspec.DecodeError:
        raise SigninRefused("user_data must be JSON with a string id") from None
    if not user_id or len(user_id) > MAX_USER_ID_LENGTH or "\n" in user_id:
        raise SigninRefused("invalid user id")
    return user_id


def server_to_user_channel(user_id: str) -> str:
    """The channel pusher-js subscribes to after a successful sign-in."""
    return SERVER_TO_USER_PREFIX + user_id


def server_to_user_grant(channel: str, signed_in_as: str | None) -> Grant:
    """``#server-to-user-{id}`` (pusher-js subscribes after sign-in, with no signature): only
    for the connection signed in as that user."""
    if signed_in_as is None or channel != server_to_user_channel(signed_in_as):
        message = "only the connection signed in as this user may subscribe"
        raise SubscriptionRefused(channel, "AuthError", message, 403)
    return Grant(channel, ChannelKind.PUBLIC, None)
