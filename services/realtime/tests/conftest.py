"""Fixtures of the realtime tests: a real Redis, and real nodes started as subprocesses."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from realtime_testkit import NodeProcess, StartNode, free_port, start_node, sync_client

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "infra" / "local"))
from redis_cluster import running_cluster


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The test stack's Redis (``RT_REDIS_URL``), or our own redis-server on a free port."""
    if url := os.environ.get("RT_REDIS_URL"):
        yield url
        return
    port = free_port()
    binary = (
        os.environ.get("SB_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    )
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis Cluster of three masters of our own, on free ports (``redis+cluster://``)."""
    server = (
        os.environ.get("SB_REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"
    )
    cli = os.environ.get("SB_REDIS_CLI") or shutil.which("redis-cli") or "/usr/bin/redis-cli"
    ports = [free_port() for _ in range(6)]
    directory = tmp_path_factory.mktemp("redis-cluster")
    with running_cluster(server, cli, directory, ports[:3], ports[3:]) as url:
        yield url


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own, so tests never see each other's state."""
    return f"test:{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def start(redis_url: str, redis_prefix: str) -> AsyncIterator[StartNode]:
    """Start nodes of one cluster (same Redis prefix); all are stopped after the test."""
    nodes: list[NodeProcess] = []

    async def _start(**settings: Any) -> NodeProcess:
        node = await start_node(redis_url, redis_prefix, **settings)
        nodes.append(node)
        return node

    yield _start
    await asyncio.gather(*(node.stop() for node in nodes))
    client = sync_client(redis_url)
    # On a cluster every key of the prefix carries it as its hash tag.
    for pattern in (f"{redis_prefix}:*", f"{{{redis_prefix}}}:*"):
        for key in list(client.scan_iter(match=pattern)):
            client.delete(key)
    client.close()


@pytest.fixture(scope="module")
async def node(redis_url: str) -> AsyncIterator[NodeProcess]:
    """One node with default settings, shared by a test module (tests use their own channels)."""
    node = await start_node(redis_url, f"test:{uuid.uuid4().hex[:12]}")
    yield node
    await node.stop()
