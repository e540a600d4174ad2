"""Login attempt limits in Redis (fixed windows): per account *from one address*, per
account from everywhere (a higher cap), and per client address.

A stranger who knows an e-mail address can only exhaust that account's budget from their
own addresses: the owner, signing in from an address without failures, still gets in until
the much higher per-account cap is reached. IPv6 clients are counted by their /64 (one
subscriber's allocation), IPv4 by address.

Every attempt is counted *before* the password is checked (so parallel guesses cannot slip
past the limit); a successful login then clears the (account, address) counter and gives
the account cap and the address their attempt back, so only failures accumulate.

The account's two counters share its hash tag; the address's has its own. So each script
touches one slot of a Redis Cluster: the account's step and the address's step run side by
side (each atomic; the decision needs both counts, not one step over both).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from dataclasses import dataclass

from switchboard_api.errors import RateLimited
from switchboard_api.platform import metrics
from switchboard_api.platform.redis_link import RedisClient, tag

PAIR_KEY = "auth:login:account-address:"
ACCOUNT_KEY = "auth:login:account:"
ADDRESS_KEY = "auth:login:address:"

# Count one attempt on every key (the window starts at the first attempt) and return
# each key's count and remaining window.
_COUNT = """
local out = {}
for i = 1, #KEYS do
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

# Forget the (account, address) failures KEYS[1] and give the account KEYS[2] its attempt
# back. Never create a counter here: it may have expired, and a key without TTL would never
# expire.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 1
"""

# Give the address KEYS[1] its attempt back (never creating it, as above).
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end
return 1
"""


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """The limits, from settings."""

    account_address_limit: int
    account_limit: int
    account_window: int
    address_limit: int
    address_window: int


def client_network(address: str) -> str:
    """The unit a client address is counted by: IPv4 as is, IPv6 by its /64 (a subscriber
    gets a whole /64, so counting /128s would give them 2**64 budgets)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _keys(email: str, address: str) -> tuple[list[str], str]:
    """The account's keys (the pair's, the account's: one hash tag) and the address's."""
    # Hash the email so Redis holds no address book of who tried to log in.
    account = tag(hashlib.sha256(email.strip().casefold().encode()).hexdigest())
    network = client_network(address)
    return [PAIR_KEY + account + ":" + network, ACCOUNT_KEY + account], ADDRESS_KEY + tag(network)


class LoginRateLimiter:
    """Counts login attempts and refuses them past the limits with :class:`RateLimited`."""

    def __init__(self, redis: RedisClient, limits: LoginLimits) -> None:
        self._redis = redis
        self._limits = limits
        self._count = redis.register_script(_COUNT)
        self._succeeded = redis.register_script(_SUCCEEDED)
        self._give_back = redis.register_script(_GIVE_BACK)

    async def attempt(self, email: str, address: str) -> None:
        """Count an attempt; raise :class:`RateLimited` (with Retry-After) if over a limit."""
        account_keys, address_key = _keys(email, address)
        lim = self._limits
        (pair_n, pair_ttl, account_n, account_ttl), (address_n, address_ttl) = await asyncio.gather(
            self._count(keys=account_keys, args=[lim.account_window, lim.account_window]),
            self._count(keys=[address_key], args=[lim.address_window]),
        )
        waits = []
        if pair_n > lim.account_address_limit:
            waits.append(int(pair_ttl))
        if account_n > lim.account_limit:
            waits.append(int(account_ttl))
        if address_n > lim.address_limit:
            waits.append(int(address_ttl))
        if waits:
            metrics.RATE_LIMIT_REFUSALS.labels("login").inc()
            raise RateLimited(max(waits), "too many login attempts; try again later")

    async def succeeded(self, email: str, address: str) -> None:
        """Forget the account's failures from this address; return the account cap and the
        address their attempt."""
        account_keys, address_key = _keys(email, address)
        await asyncio.gather(
            self._succeeded(keys=account_keys), self._give_back(keys=[address_key])
        )
