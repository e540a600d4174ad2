"""Password hashing with argon2id (argon2-cffi's recommended parameters).

One hash or verification costs about 150 ms of CPU. Request handlers use the ``*_off_loop``
forms, which run it on a small thread pool (argon2-cffi releases the GIL), so a flood of
logins slows logins only: the event loop keeps serving every other request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from switchboard_api.errors import RateLimited
from switchboard_api.platform import metrics

T = TypeVar("T")

# One thread per API process: the API runs several processes and each needs CPU left over
# for its own requests. Past the queue bound, callers are turned away at once (429) rather
# than waiting behind a flood: a waiting login holds its request's database connection, so
# the bound stays well below the connection pool (a flood must not starve other requests).
HASHING_THREADS = 1
HASHING_QUEUE = 4
_pool = ThreadPoolExecutor(max_workers=HASHING_THREADS, thread_name_prefix="argon2")
_in_flight = 0

_hasher = PasswordHasher()

# Verified against when the account does not exist, so that an unknown email costs the same
# time as a wrong password (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash("switchboard-no-such-account")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


def hash_password(password: str) -> str:
    """The argon2id hash to store for ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash``; ``None`` (no password set) never matches,
    but still costs one verification."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's and should be redone."""
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


async def _off_loop(work: Callable[[], T]) -> T:
    global _in_flight  # noqa: PLW0603 - the one counter of this process's hashing queue
    if _in_flight >= HASHING_QUEUE:
        metrics.RATE_LIMIT_REFUSALS.labels("hashing").inc()
        raise RateLimited(1, "too many sign-ins at once; try again in a moment")
    _in_flight += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_pool, work)
    finally:
        _in_flight -= 1


async def verify_password_off_loop(stored_hash: str | None, password: str) -> bool:
    """:func:`verify_password` on the hashing pool; 429 when its queue is full."""
    return await _off_loop(lambda: verify_password(stored_hash, password))


async def hash_password_off_loop(password: str) -> str:
    """:func:`hash_password` on the hashing pool; 429 when its queue is full."""
    return await _off_loop(lambda: hash_password(password))
