"""An isolated Switchboard cluster for tests that kill processes: its own API, workers and
realtime nodes, started as subprocesses on free ports against a scratch database.

Why a scratch database rather than the stack's: the relay is one-active-at-a-time per
database (a session advisory lock, ``pg_try_advisory_lock``, whose keys are scoped to the
current database). On the stack's database the stack's worker already holds that lock and
publishes to the stack's realtime node, so a worker of ours would sit in standby. On a
database of our own, our workers are the only relay candidates: the first one started is
the active relay (it logs "relay active"), a second one is a genuine standby, and killing
any of our processes never disturbs the stack other tests use. PostgreSQL, Redis and S3
are the stack's (Redis keys and the SAQ queue are namespaced per cluster).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from switchboard_api.settings import ApiSettings, get_settings

from fixtures.auth import UserFactory
from fixtures.scratch_db import create_scratch_database, drop_scratch_database
from realtime_support.procs import Proc, free_port, spawn, spawn_python, wait_healthy, wait_until

APP_ID = "4242"  # numeric: the stock pusher library accepts nothing else
APP_KEY = "e2e-cluster-key"
APP_SECRET = "e2e-cluster-secret"


@dataclass
class Node:
    """One realtime node of the cluster."""

    port: int
    proc: Proc

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """API + workers + realtime nodes on a scratch database. Use :func:`cluster`."""

    base_db_url: str
    db_url: str
    redis_prefix: str
    queue: str
    settings: ApiSettings
    engine: AsyncEngine
    users: UserFactory
    api_port: int = 0
    api: Proc | None = None
    nodes: list[Node] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    node_settings: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _base_env(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith("RT_")}

    def api_env(self, realtime_url: str) -> dict[str, str]:
        """The stack's ``API_*`` settings, pointed at our database, queue and node."""
        return self._base_env() | {
            "API_DATABASE_URL": self.db_url,
            "API_DATABASE_POOL_SIZE": "20",
            "API_WORKER_QUEUE": self.queue,
            "API_REALTIME_API_URL": realtime_url,
            "API_REALTIME_APP_ID": APP_ID,
            "API_REALTIME_KEY": APP_KEY,
            "API_REALTIME_SECRET": APP_SECRET,
            # A restarted node is found within a second (production default: 10 s).
            "API_RELAY_MAX_BACKOFF_SECONDS": "1",
            "API_LOG_LEVEL": "INFO",
        }

    def node_env(self, port: int) -> dict[str, str]:
        """``RT_*`` settings of one node of this cluster (shared Redis prefix)."""
        redis = os.environ.get("RT_REDIS_URL") or self.settings.redis_url.get_secret_value()
        return (
            self._base_env()
            | {
                "RT_HOST": "127.0.0.1",
                "RT_PORT": str(port),
                "RT_REDIS_URL": redis,
                "RT_REDIS_PREFIX": self.redis_prefix,
                "RT_APP_ID": APP_ID,
                "RT_APP_KEY": APP_KEY,
                "RT_APP_SECRET": APP_SECRET,
            }
            | self.node_settings
        )

    async def start_api(self, workers: int = 1) -> None:
        """The API (uvicorn, like the stack's) on a free port; its relay target is unused."""
        self.api_port = free_port()
        argv = [
            *(
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "switchboard_api.app:create_app",
            ),
            *("--host", "127.0.0.1", "--port", str(self.api_port), "--workers", str(workers)),
            *("--loop", "uvloop", "--http", "httptools", "--no-access-log"),
        ]
        self.api = await spawn("api", argv, self.api_env("http://127.0.0.1:9"))
        await wait_healthy(self.api, self.api_port, "/api/healthz")

    async def start_node(self, port: int | None = None) -> Node:
        """A realtime node (on ``port`` to restart a killed one in place)."""
        port = port or free_port()
        proc = await spawn_python(
            f"realtime-{port}", ["-m", "switchboard_realtime"], self.node_env(port)
        )
        await wait_healthy(proc, port, "/healthz")
        node = Node(port, proc)
        self.nodes.append(node)
        return node

    async def restart_node(self, node: Node) -> Node:
        """Start a fresh process on a killed node's port (what a supervisor does)."""
        assert not node.proc.running
        # The port may take a moment to be bindable again after SIGKILL.
        for _ in range(50):
            try:
                return await self.start_node(node.port)
            except AssertionError:
                await asyncio.sleep(0.2)
        raise AssertionError(f"could not restart the node on port {node.port}")

    async def start_worker(self, relay_to: Node) -> Proc:
        """A worker process (jobs, sequencer, relay) whose relay publishes to ``relay_to``."""
        name = f"worker-{len(self.workers) + 1}"
        proc = await spawn_python(
            name, ["-m", "switchboard_api", "worker"], self.api_env(relay_to.url)
        )
        self.workers.append(proc)

        async def started() -> bool:
            if not proc.running:
                raise AssertionError(f"{name} exited:\n{proc.log()}")
            return "worker ready" in proc.log(tail=1 << 20)

        await wait_until(started, 30, f"{name} to start")
        return proc

    async def wait_relay_active(self, worker: Proc, seconds: float = 20) -> None:
        """Wait until ``worker``'s relay holds the lock (it logs "relay active")."""

        async def active() -> bool:
            if not worker.running:
                raise AssertionError(f"{worker.name} exited:\n{worker.log()}")
            return "relay active" in worker.log(tail=1 << 20)

        await wait_until(active, seconds, f"{worker.name}'s relay to become active")

    async def close(self) -> None:
        procs = [n.proc for n in self.nodes] + self.workers + ([self.api] if self.api else [])
        await asyncio.gather(*(p.stop(grace=10) for p in procs), return_exceptions=True)
        await self.engine.dispose()
        await drop_scratch_database(self.base_db_url, self.db_url)


@contextlib.asynccontextmanager
async def cluster(**node_settings: str) -> AsyncIterator[Cluster]:
    """A fresh cluster (no processes yet); everything is stopped and dropped on exit.

    ``node_settings`` are extra ``RT_*`` variables for every node.
    """
    settings = get_settings()
    base = settings.database_url.get_secret_value()
    db_url = await create_scratch_database(base)
    engine = create_async_engine(db_url, pool_size=2)
    tag = uuid.uuid4().hex[:10]
    c = Cluster(
        base_db_url=base,
        db_url=db_url,
        redis_prefix=f"e2e:{tag}",
        queue=f"e2e-{tag}",
        settings=settings,
        engine=engine,
        users=UserFactory(engine),
        node_settings=node_settings,
    )
    try:
        yield c
    finally:
        await c.close()
