"""Login attempt limits in Redis, per account and per client address (fixed windows).

Every attempt is counted *before* the password is checked (so parallel guesses cannot slip
past the limit); a successful login then clears the account's counter and gives the address
its attempt back, so only failures accumulate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from switchboard_api.errors import RateLimited

ACCOUNT_KEY = "auth:login:account:"
ADDRESS_KEY = "auth:login:address:"

# Count one attempt on both keys (the window starts at the first attempt) and return
# each key's count and remaining window.
_COUNT = """
local out = {}
for i = 1, 2 do
    local n = redis.call('INCR', KEYS[i])
    if n == 1 then redis.call('EXPIRE', KEYS[i], ARGV[i]) end
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 then
        redis.call('EXPIRE', KEYS[i], ARGV[i])
        ttl = tonumber(ARGV[i])
    end
    out[#out + 1] = n
    out[#out + 1] = ttl
end
return out
"""

# Never create the address key here: it may have expired, and a key without TTL would
# never expire.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 1
"""


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """The limits, from settings."""

    account_limit: int
    account_window: int
    address_limit: int
    address_window: int


def _keys(email: str, address: str) -> tuple[str, str]:
    # Hash the email so Redis holds no address book of who tried to log in.
    account = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    return ACCOUNT_KEY + account, ADDRESS_KEY + address


class LoginRateLimiter:
    """Counts login attempts and refuses them past the limits with :class:`RateLimited`."""

    def __init__(self, redis: Redis, limits: LoginLimits) -> None:
        self._redis = redis
        self._limits = limits
        self._count = redis.register_script(_COUNT)
        self._succeeded = redis.register_script(_SUCCEEDED)

    async def attempt(self, email: str, address: str) -> None:
        """Count an attempt; raise :class:`RateLimited` (with Retry-After) if over a limit."""
        keys = _keys(email, address)
        lim = self._limits
        account_n, account_ttl, address_n, address_ttl = await self._count(
            keys=list(keys), args=[lim.account_window, lim.address_window]
        )
        waits = []
        if account_n > lim.account_limit:
            waits.append(int(account_ttl))
        if address_n > lim.address_limit:
            waits.append(int(address_ttl))
        if waits:
            raise RateLimited(max(waits), "too many login attempts; try again later")

    async def succeeded(self, email: str, address: str) -> None:
        """Forget the account's failures and return the address its attempt."""
        account_key, address_key = _keys(email, address)
        await self._succeeded(keys=[account_key, address_key])
