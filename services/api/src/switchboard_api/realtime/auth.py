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
from switchboard_shared.pusher import channel_auth


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
