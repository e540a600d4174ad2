"""Readiness checks of each dependency, each bounded in time so a hung one cannot stall the probe."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import msgspec
from redis.asyncio import RedisCluster

from switchboard_api.platform.database_state import server_version
from switchboard_api.platform.resources import Resources


class DependencyStatus(msgspec.Struct, kw_only=True):
    """One dependency's state as the readiness probe saw it."""

    ok: bool
    detail: str


class Readiness(msgspec.Struct, kw_only=True):
    """The readiness report: ``ok`` only when every dependency is."""

    ok: bool
    checks: dict[str, DependencyStatus]
    failed: list[str]


async def _postgres(res: Resources) -> str:
    version = await server_version(res.engine)
    major = int(version.split(".")[0])
    if major < 16:
        raise RuntimeError(f"PostgreSQL {version} is older than the required 16")
    return f"PostgreSQL {version}"


async def _redis(res: Resources) -> str:
    if isinstance(res.redis, RedisCluster):
        # Every master must answer: each holds a share of the sessions and the cache. The
        # client learns the masters on first use (again here while the cluster is forming).
        await res.redis.initialize()
        masters = res.redis.get_primaries()
        for master in masters:
            await res.redis.ping(target_nodes=master)
        info = await res.redis.info("server", target_nodes=masters[0])
        return f"Redis Cluster of {len(masters)} masters, {info.get('redis_version', '?')}"
    await res.redis.ping()
    info = await res.redis.info("server")
    return f"Redis {info.get('redis_version', '?')}"


async def _s3(res: Resources) -> str:
    async with res.s3_client() as s3:
        await s3.head_bucket(Bucket=res.settings.s3_bucket)
    return f"bucket {res.settings.s3_bucket} reachable"


CHECKS: dict[str, Callable[[Resources], Awaitable[str]]] = {
    "postgres": _postgres,
    "redis": _redis,
    "s3": _s3,
}


async def _run_one(
    check: Callable[[Resources], Awaitable[str]], res: Resources, limit_s: float
) -> DependencyStatus:
    try:
        async with asyncio.timeout(limit_s):
            return DependencyStatus(ok=True, detail=await check(res))
    except TimeoutError:
        return DependencyStatus(ok=False, detail=f"no answer within {limit_s:g} s")
    except Exception as exc:
        return DependencyStatus(ok=False, detail=f"{type(exc).__name__}: {exc}"[:300])


async def check_readiness(res: Resources) -> Readiness:
    """Check every dependency concurrently within the configured time limit."""
    timeout = res.settings.readiness_timeout_seconds
    names = list(CHECKS)
    results = await asyncio.gather(*(_run_one(CHECKS[n], res, timeout) for n in names))
    checks = dict(zip(names, results, strict=True))
    failed = [name for name, status in checks.items() if not status.ok]
    return Readiness(ok=not failed, checks=checks, failed=failed)
