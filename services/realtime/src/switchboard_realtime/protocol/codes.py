"""Close codes and ``pusher:error`` codes of the Pusher protocol (reference section 11)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    """WebSocket close codes; pusher-js decides from the range whether to reconnect."""

    APP_NOT_FOUND = 4001
    PATH_NOT_FOUND = 4005
    UNSUPPORTED_PROTOCOL = 4007
    NO_PROTOCOL = 4008
    # pusher-js does not reconnect after 4009: a bad sign-in, a sign-in that never came,
    # or a user whose connections the app server terminated (signed out, disabled...).
    UNAUTHORIZED = 4009
    # 41xx: reconnect after a back-off.
    OVER_CAPACITY = 4100
    # 42xx: reconnect at once (elsewhere).
    RECONNECT = 4200
    PONG_TIMEOUT = 4201
    # >= 4300: pusher-js gives up, which is the point for a client flooding subscriptions.
    SUBSCRIBE_RATE_LIMIT = 4301


class ErrorCode(IntEnum):
    """Codes of ``pusher:error`` frames that leave the socket open."""

    CLIENT_EVENT_RATE_LIMIT = 4301
    # Not a Pusher code: a frame we cannot make sense of (the socket stays open).
    BAD_FRAME = 4400
