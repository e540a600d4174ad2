"""Who may dial what, and how often: click-to-call is toll fraud's open door otherwise.

Every dial is checked before a call record exists or the PBX hears of it: the destination
must start with one of the allowed E.164 prefixes (the country codes the company calls),
and each user may start only so many calls per window (a stolen token cannot run up a bill
by the thousand).
"""

from __future__ import annotations

import uuid

from litestar.openapi.datastructures import ResponseSpec

from switchboard_api.errors import PROBLEM_JSON, FieldError, Forbidden, Problem
from switchboard_api.platform import metrics
from switchboard_api.platform.resources import Resources

DIAL_COUNT_KEY = "telephony:dial:user:"


class DialLimitReached(Forbidden):
    """The caller's click-to-call limit is used up: refused like any call the policy forbids
    (403), with ``Retry-After`` saying when the window frees up."""

    slug, title = "dial-limit", "Dial limit reached"

    def __init__(self, retry_after: int, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


DIAL_LIMITED = {
    403: ResponseSpec(
        data_container=Problem,
        description="The destination is outside the dialing policy, or the caller's dial "
        "limit is used up (see Retry-After)",
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )
}
"""OpenAPI response of the dial route past the limit."""


def allowed_prefixes(setting: str) -> tuple[str, ...]:
    """The ``telephony_dial_prefixes`` setting as a tuple (empty: every destination)."""
    return tuple(part.strip() for part in setting.split(",") if part.strip())


async def check_dial_allowed(resources: Resources, user_id: uuid.UUID, to_number: str) -> None:
    """Raise :class:`Forbidden` for a destination outside the policy and
    :class:`DialLimitReached` (also a 403) past the user's dial limit; otherwise count this
    dial."""
    settings = resources.settings
    prefixes = allowed_prefixes(settings.telephony_dial_prefixes)
    if prefixes and not to_number.startswith(prefixes):
        raise Forbidden(
            "the dialing policy does not allow calls to this destination",
            errors=[
                FieldError(field="to_number", message="must start with " + " or ".join(prefixes))
            ],
        )
    key = DIAL_COUNT_KEY + str(user_id)
    window = settings.telephony_dial_window_seconds
    async with resources.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window, nx=True)
        pipe.ttl(key)
        count, _, ttl = await pipe.execute()
    if int(count) > settings.telephony_dial_limit:
        metrics.RATE_LIMIT_REFUSALS.labels("dial").inc()
        raise DialLimitReached(
            int(ttl),
            f"at most {settings.telephony_dial_limit} calls per {window} s; try again later",
        )
