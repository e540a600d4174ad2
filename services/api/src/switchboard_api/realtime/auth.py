"""Signing channel subscriptions for the logged-in employee (the pusher-js auth contract)."""

from __future__ import annotations

import msgspec

from switchboard_api.auth.principal import Principal
from switchboard_api.errors import BadRequest, FieldError, Forbidden
from switchboard_api.realtime.channels import (
    ChannelError,
    Kind,
    check_socket_id,
    may_subscribe,
    parse_channel,
)
from switchboard_api.settings import ApiSettings
from switchboard_shared.pusher import channel_auth, user_auth


class ChannelAuthRequest(msgspec.Struct, kw_only=True):
    """What pusher-js posts (form-encoded by default; JSON is accepted too)."""

    socket_id: str = msgspec.field()
    channel_name: str = msgspec.field()


class PresenceUserInfo(msgspec.Struct, kw_only=True):
    """What other members of a presence channel learn about the employee."""

    name: str
    role: str


class PresenceChannelData(msgspec.Struct, kw_only=True):
    """The presence member this subscription joins as."""

    user_id: str
    user_info: PresenceUserInfo


class ChannelAuthResponse(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``auth`` is ``key:signature``; presence channels also get the exact signed
    ``channel_data`` JSON string."""

    auth: str
    channel_data: str | None = None


class UserAuthRequest(msgspec.Struct, kw_only=True):
    """What pusher-js posts to sign a connection in (``pusher.signin()``)."""

    socket_id: str = msgspec.field()


class SignedInUser(msgspec.Struct, kw_only=True):
    """The ``user_data`` a connection signs in with: the realtime node closes every
    connection of this id when the employee's access ends."""

    id: str
    user_info: PresenceUserInfo


class UserAuthResponse(msgspec.Struct, kw_only=True):
    """``auth`` is ``key:signature`` over the exact ``user_data`` JSON string."""

    auth: str
    user_data: str


def authenticate_user(
    principal: Principal, request: UserAuthRequest, settings: ApiSettings
) -> UserAuthResponse:
    """Sign the connection ``request.socket_id`` in as ``principal`` (400 if malformed)."""
    try:
        socket_id = check_socket_id(request.socket_id)
    except ChannelError as exc:
        raise BadRequest(
            f"{exc.field}: {exc.message}", errors=[FieldError(field=exc.field, message=exc.message)]
        ) from None
    user = SignedInUser(
        id=str(principal.user_id),
        user_info=PresenceUserInfo(name=principal.full_name, role=principal.role),
    )
    data = msgspec.json.encode(user).decode()
    secret = settings.realtime_secret.get_secret_value()
    return UserAuthResponse(
        auth=user_auth(settings.realtime_key, secret, socket_id, data), user_data=data
    )


def authorize_channel(
    principal: Principal, request: ChannelAuthRequest, settings: ApiSettings
) -> ChannelAuthResponse:
    """Sign the subscription if ``principal`` may see the channel; 400 if it is malformed,
    403 if it is not theirs to see."""
    try:
        socket_id = check_socket_id(request.socket_id)
        channel = parse_channel(request.channel_name)
    except ChannelError as exc:
        raise BadRequest(
            f"{exc.field}: {exc.message}", errors=[FieldError(field=exc.field, message=exc.message)]
        ) from None
    if not may_subscribe(principal, channel):
        raise Forbidden(f"not allowed to subscribe to {channel.name}")
    key = settings.realtime_key
    secret = settings.realtime_secret.get_secret_value()
    if channel.kind is Kind.PRESENCE:
        member = PresenceChannelData(
            user_id=str(principal.user_id),
            user_info=PresenceUserInfo(name=principal.full_name, role=principal.role),
        )
        data = msgspec.json.encode(member).decode()
        return ChannelAuthResponse(
            auth=channel_auth(key, secret, socket_id, channel.name, data), channel_data=data
        )
    return ChannelAuthResponse(auth=channel_auth(key, secret, socket_id, channel.name))
