"""The programs of a local stack: what supervisord runs, in which order, how it stops them."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from profiles import ROOT, External, Profile, node_name
from provision import nginx_binary, pg_bin_dir, which


def _q(parts: list[str | Path]) -> str:
    return " ".join(shlex.quote(str(x)) for x in parts)


def weed_command(p: Profile, bucket: str) -> str:
    """SeaweedFS ``weed mini`` with every port pinned to the profile and S3 auth on."""
    weed = which("weed") or str(Path(ROOT / ".venv" / "bin" / "weed"))
    s3dir = p.state / "s3"
    flags: list[str | Path] = [weed, "mini", f"-dir={s3dir / 'data'}", "-ip=127.0.0.1"]
    flags += ["-ip.bind=127.0.0.1", f"-s3.config={s3dir / 'identities.json'}"]
    flags += [f"-{name}={port}" for name, port in p.ports.weed().items()]
    flags += [
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        f"-bucket={bucket}",
        f"-filer.localSocket={s3dir / 'filer.sock'}",
        f"-s3.localSocket={s3dir / 's3.sock'}",
    ]
    return f"exec {_q(flags)} >> {shlex.quote(str(p.logs / 's3.log'))} 2>&1"


def prepare_command(p: Profile) -> str:
    """Wait for the dependencies, migrate, seed (``make run``): once, before the apps; with
    a local Redis Cluster, join its masters first (nothing to do when they already are)."""
    seed = " --seed-demo" if p.name == "run" else ""
    prepare = f"exec python -m switchboard_api prepare{seed}"
    if not p.redis_cluster:
        return prepare
    ports = [str(port) for port in p.ports.redis_cluster_ports()[0]]
    cli = which("redis-cli") or "/usr/bin/redis-cli"
    join = _q(["python", ROOT / "infra" / "local" / "redis_cluster.py", cli, *ports])
    return f"{join} && {prepare}"


def api_command(port: int, workers: int) -> str:
    """Serve with ``workers`` processes. Not behind ``prepare``: the launcher starts it once
    that has finished, so a restart of a killed API costs only uvicorn's own start. The
    workers add up their metrics in ``API_METRICS_DIR`` (emptied at each start)."""
    return (
        "python -m switchboard_api serve "
        f"--host 127.0.0.1 --port {port} --workers {workers} "
        "--loop uvloop --http httptools --no-access-log --proxy-headers "
        "--forwarded-allow-ips 127.0.0.1"
    )


@dataclass(frozen=True)
class Program:
    """One supervised process: a shell command and where it stands in the start order."""

    name: str
    command: str
    #: supervisord starts lower numbers first and stops them last
    priority: int
    #: seconds the process must stay up for its start to count (a quicker exit is retried
    #: with a growing delay, then given up on)
    start_seconds: int = 3
    #: runs to completion once (exit 0) instead of being kept running
    one_shot: bool = False
    #: started by the launcher once the one-shot programs have finished (see AFTER_PREPARE)
    after_prepare: bool = False


STORES, EDGE, PREPARE, APPS = 100, 200, 250, 300


def stack_programs(p: Profile, ext: External, user: str | None, bucket: str) -> list[Program]:
    """Every process of the stack, dependencies first."""
    programs: list[Program] = []
    if ext.database_url is None:
        pg: list[str | Path] = [
            "python",
            ROOT / "infra" / "local" / "pg_foreground.py",
            pg_bin_dir(),
            p.state / "pg" / "data",
            str(p.ports.postgres),
            p.state / "pg" / "sock",
        ]
        programs.append(Program("postgres", "exec " + _q([*pg, *([user] if user else [])]), STORES))
    if ext.redis_url is None:
        redis_conf = p.state / "redis" / "redis.conf"
        programs.append(Program("redis", "exec " + _q(["redis-server", redis_conf]), STORES, 1))
    if p.redis_cluster:
        for i, port in enumerate(p.ports.redis_cluster_ports()[0]):
            conf = p.state / "redis-cluster" / str(port) / "redis.conf"
            command = "exec " + _q(["redis-server", conf])
            programs.append(Program(f"redis-cluster-{i + 1}", command, STORES, 1))
    if ext.s3_endpoint_url is None:
        programs.append(Program("s3", weed_command(p, bucket), STORES))
    nginx: list[str | Path] = [
        nginx_binary(),
        "-p",
        p.state / "nginx",
        "-c",
        p.state / "nginx" / "nginx.conf",
    ]
    nginx_cmd = "exec " + _q([*nginx, "-e", p.logs / "nginx-error.log"])
    programs.append(Program("nginx", nginx_cmd, EDGE, 1))
    programs.append(Program("prepare", prepare_command(p), PREPARE, 0, one_shot=True))
    programs += app_programs(p)
    programs.append(Program("pbxsim", "exec python -m switchboard_pbxsim", APPS))
    return programs


def app_programs(p: Profile) -> list[Program]:
    """``p.scale`` of each: API process, worker, realtime node (``api``, ``api-2``, ...).

    The nodes share everything but their ports: the realtime nodes meet in Redis, the
    workers take jobs from one queue and one of them at a time holds the relay's lock.
    """
    programs: list[Program] = []
    wait_migrated = "python -m switchboard_api wait-ready --migrated --timeout 180"
    api_ports = p.ports.api_ports(p.scale)
    # One stack serves with two processes either way: two uvicorn workers behind one port,
    # or (scaled) one process per port, each a node nginx balances over on its own.
    workers = 2 if p.scale == 1 else 1
    nodes = zip(
        api_ports,
        p.ports.realtime_ports(p.scale),
        p.ports.worker_metrics_ports(p.scale),
        strict=True,
    )
    for i, (api_port, rt_port, metrics_port) in enumerate(nodes):
        # The first node of each kind takes its settings from the stack's environment; the
        # others override where they listen (and where the API node keeps its metrics).
        api_env = _env_prefix(i, {"API_METRICS_DIR": str(p.api_metrics_dir(i))})
        api = f"exec {api_env}{api_command(api_port, workers)}"
        programs.append(Program(node_name("api", i), api, APPS, after_prepare=True))
        worker_env = _env_prefix(i, {"API_WORKER_METRICS_PORT": str(metrics_port)})
        worker = f"{wait_migrated} && exec {worker_env}python -m switchboard_api worker"
        programs.append(Program(node_name("worker", i), worker, APPS, after_prepare=True))
        where = {"RT_PORT": str(rt_port), "RT_UNIX_SOCKET": str(p.realtime_socket(i) or "")}
        command = f"exec {_env_prefix(i, where)}python -m switchboard_realtime"
        # On a local cluster the nodes wait for ``prepare``, which joins its masters.
        programs.append(
            Program(node_name("realtime", i), command, APPS, after_prepare=p.redis_cluster)
        )
    return programs


def _env_prefix(index: int, overrides: dict[str, str]) -> str:
    """``env NAME=value ... `` for node ``index`` past the first (which runs on the stack's
    environment as it is), else nothing."""
    return "" if index == 0 else "env " + _q([f"{k}={v}" for k, v in overrides.items()]) + " "
