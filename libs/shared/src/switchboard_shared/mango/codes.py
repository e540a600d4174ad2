"""Mango result codes (reference §2); an unknown code is read by its class."""

from __future__ import annotations

from enum import IntEnum


class ResultCode(IntEnum):
    """The result and error codes we send, read or simulate."""

    SUCCESS = 1000
    CALL_ENDED_NORMALLY = 1100
    ENDED_BY_CALLER = 1110
    NOT_ANSWERED_IN_TIME = 1111
    ENDED_BY_CALLEE = 1120
    CALLEE_BUSY = 1121
    CALLEE_REJECTED = 1122
    BAD_PARAMETERS = 3100
    NOT_POST = 3101
    SIGN_MISMATCH = 3102
    PARAMETER_MISSING = 3103
    PARAMETER_WRONG_FORMAT = 3104
    WRONG_ACCESS_KEY = 3105
    OBJECT_NOT_FOUND = 3300
    CALL_NOT_FOUND = 3310
    RECORDING_NOT_FOUND = 3320
    INVALID_JSON = 3400
    COMMAND_NOT_SUPPORTED = 4001
    SERVER_ERROR = 5000

    @staticmethod
    def is_success(code: int) -> bool:
        """Whether a code reports success (the 1xxx class)."""
        return 1000 <= code < 2000
