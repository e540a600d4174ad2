"""A local Redis Cluster of three masters (no replicas), for the tests and ``make test``.

Each master is a ``redis-server --cluster-enabled yes`` with its cluster bus port pinned
(left alone, Redis takes port + 10000, which may belong to another stack); ``redis-cli
--cluster create`` then splits the 16,384 slots between them.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import redis

MASTERS = 3
#: masters only, and no confirmation prompt
CREATE_FLAGS = ("--cluster-replicas", "0", "--cluster-yes")


def cluster_conf(directory: Path, port: int, bus_port: int, log: Path | None) -> str:
    """One master's configuration (kept in memory: tests and test stacks start empty)."""
    return (
        f"bind 127.0.0.1\nport {port}\ncluster-port {bus_port}\nprotected-mode yes\n"
        f"daemonize no\ndir {directory}\ncluster-enabled yes\n"
        f"cluster-config-file nodes-{port}.conf\ncluster-node-timeout 5000\n"
        'save ""\nappendonly no\n' + (f"logfile {log}\n" if log else "")
    )


def _serving(port: int) -> bool:
    client = redis.Redis(port=port)
    try:
        return bool(client.cluster("INFO").get("cluster_state") == "ok")
    finally:
        client.close()


def create_cluster(cli: str, ports: Sequence[int], timeout: float = 30) -> str:
    """Join the running masters on ``ports`` into one cluster (unless they already are one);
    its ``redis+cluster`` URL once every slot is served."""
    deadline = time.monotonic() + timeout
    for port in ports:
        client = redis.Redis(port=port)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
    if all(_serving(port) for port in ports):
        return f"redis+cluster://127.0.0.1:{ports[0]}"
    subprocess.run(
        [cli, "--cluster", "create", *(f"127.0.0.1:{port}" for port in ports), *CREATE_FLAGS],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    while not all(_serving(port) for port in ports):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Redis Cluster on {list(ports)} did not become ready")
        time.sleep(0.1)
    return f"redis+cluster://127.0.0.1:{ports[0]}"


@contextlib.contextmanager
def running_cluster(
    server: str, cli: str, directory: Path, ports: Sequence[int], bus_ports: Sequence[int]
) -> Iterator[str]:
    """Three masters as child processes, joined into a cluster; yields its URL, stops them."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port, bus_port in zip(ports, bus_ports, strict=True):
            node_dir = directory / str(port)
            node_dir.mkdir(parents=True, exist_ok=True)
            conf = node_dir / "redis.conf"
            conf.write_text(cluster_conf(node_dir, port, bus_port, None))
            procs.append(subprocess.Popen([server, str(conf)], stdout=subprocess.DEVNULL))
        yield create_cluster(cli, ports)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


if __name__ == "__main__":
    # ``redis_cluster.py REDIS_CLI PORT...``: the stack's one-shot join (programs.py).
    print(create_cluster(sys.argv[1], [int(port) for port in sys.argv[2:]]), flush=True)
