"""Startup and shutdown of the API's connections; nothing connects at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aioboto3
import httpx
from botocore.config import Config as BotoConfig
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from switchboard_api.events.wake import CommitSignal, wake_channel
from switchboard_api.platform.liveness import check_liveness_on_checkout
from switchboard_api.platform.outbox_sessions import outbox_sessionmaker
from switchboard_api.platform.redis_link import RedisClient, connect
from switchboard_api.realtime.publisher import Publisher
from switchboard_api.settings import ApiSettings


@dataclass(slots=True)
class Resources:
    """Everything with a connection pool, created at startup and closed at shutdown."""

    settings: ApiSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: RedisClient
    """One Redis server or a Redis Cluster (``API_REDIS_URL``'s scheme chooses)."""
    s3: Any
    """One S3 client for the process (its connection pool is shared by every request)."""
    public_s3: Any
    """One S3 client signing links for browsers: see :func:`public_s3_config`."""
    commit_signal: CommitSignal
    publisher: Publisher
    """The realtime service's publish API, over one HTTP client for the process."""

    def s3_client(self) -> Any:
        """An async context manager yielding the process's S3 client (left open on exit)."""
        return _lent(self.s3)

    def public_s3_client(self) -> Any:
        """An async context manager yielding the process's link-signing S3 client."""
        return _lent(self.public_s3)


@asynccontextmanager
async def _lent(client: Any) -> AsyncIterator[Any]:
    # Callers keep the ``async with`` shape of a per-use client; the client itself lives
    # as long as the process: creating one costs 6-15 ms of CPU (service model, endpoint
    # resolution, a new connection pool), more than the request that wanted it.
    yield client


def _s3_clients(settings: ApiSettings, session: aioboto3.Session) -> tuple[Any, Any]:
    """The S3 client bound to the configured endpoint, and the one for signing links
    browsers follow: bound to the public origin (``s3_public_url``), since nginx forwards
    ``/<bucket>/`` to S3 keeping the path and Host, so the signature S3 checks is the one
    computed here (it never connects)."""
    credentials = {
        "region_name": settings.s3_region,
        "aws_access_key_id": settings.s3_access_key.get_secret_value(),
        "aws_secret_access_key": settings.s3_secret_key.get_secret_value(),
    }
    internal = session.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        config=BotoConfig(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=2,
            read_timeout=30,
            retries={"max_attempts": 2},
            # Shared by every request and job of the process; a streamed download holds
            # its connection while it lasts.
            max_pool_connections=64,
        ),
        **credentials,
    )
    public = session.client(
        "s3",
        endpoint_url=settings.s3_public_url,
        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"}),
        **credentials,
    )
    return internal, public


@asynccontextmanager
async def open_resources(settings: ApiSettings) -> AsyncIterator[Resources]:
    """Open every pool; close them all on exit, whatever happened."""
    engine = create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=settings.database_pool_size,
        connect_args={"timeout": 5},
    )
    check_liveness_on_checkout(engine)
    redis = connect(settings.redis_url.get_secret_value())
    signal = CommitSignal(redis, wake_channel(engine))
    http = httpx.AsyncClient(timeout=httpx.Timeout(settings.realtime_timeout_seconds))
    s3_clients = AsyncExitStack()
    try:
        internal, public = _s3_clients(settings, aioboto3.Session())
        yield Resources(
            settings=settings,
            engine=engine,
            sessionmaker=outbox_sessionmaker(engine, signal),
            redis=redis,
            s3=await s3_clients.enter_async_context(internal),
            public_s3=await s3_clients.enter_async_context(public),
            commit_signal=signal,
            publisher=Publisher(
                http,
                base_url=settings.realtime_api_url,
                app_id=settings.realtime_app_id,
                key=settings.realtime_key,
                secret=settings.realtime_secret.get_secret_value(),
            ),
        )
    finally:
        await s3_clients.aclose()
        await http.aclose()
        await signal.aclose()
        await redis.aclose()
        await engine.dispose()
