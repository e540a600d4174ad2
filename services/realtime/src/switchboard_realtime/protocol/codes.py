"""Close codes and ``pusher:error`` codes of the Pusher protocol (reference section 11)."""

from __future__ import annotations

from enum import IntEnum


class CloseCode(IntEnum):
    """WebSocket close codes; pusher-js decides from the range whether to reconnect."""

    APP_NOT_FOUND = 4001
    PATH_NOT_FOUND = 4005
    UNSUPPORTED_PROTOCOL = 4007
    NO_PROTOCOL = 4008
    # 41xx: reconnect after a back-off.
    OVER_CAPACITY = 4100
    # 42xx: reconnect at once (elsewhere).
    RECONNECT = 4200
    PONG_TIMEOUT = 4201


class ErrorCode(IntEnum):
    """Codes of ``pusher:error`` frames that leave the socket open."""

    CLIENT_EVENT_RATE_LIMIT = 4301
    # Not a Pusher code: a frame we cannot make sense of (the socket stays open).
    BAD_FRAME = 4400
