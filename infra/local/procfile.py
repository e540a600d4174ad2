"""The Procfile of a local stack: one line per process honcho supervises."""

from __future__ import annotations

import shlex
from pathlib import Path

from profiles import ROOT, External, Profile
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


def api_command(p: Profile) -> str:
    """Wait for the dependencies, migrate, seed, then serve with several workers."""
    seed = " --seed-demo" if p.name == "run" else ""
    return (
        f"python -m switchboard_api prepare{seed} && exec uvicorn --factory "
        f"switchboard_api.app:create_app --host 127.0.0.1 --port {p.ports.api} --workers 2 "
        "--loop uvloop --http httptools --no-access-log --proxy-headers "
        "--forwarded-allow-ips 127.0.0.1"
    )


def procfile_lines(p: Profile, ext: External, user: str | None, bucket: str) -> list[str]:
    """Every process of the stack, dependencies first."""
    lines: list[str] = []
    if ext.database_url is None:
        pg: list[str | Path] = [
            "python",
            ROOT / "infra" / "local" / "pg_foreground.py",
            pg_bin_dir(),
            p.state / "pg" / "data",
            str(p.ports.postgres),
            p.state / "pg" / "sock",
        ]
        lines.append("postgres: exec " + _q([*pg, *([user] if user else [])]))
    if ext.redis_url is None:
        lines.append("redis: exec " + _q(["redis-server", p.state / "redis" / "redis.conf"]))
    if ext.s3_endpoint_url is None:
        lines.append("s3: " + weed_command(p, bucket))
    nginx: list[str | Path] = [
        nginx_binary(),
        "-p",
        p.state / "nginx",
        "-c",
        p.state / "nginx" / "nginx.conf",
    ]
    lines.append("nginx: exec " + _q([*nginx, "-e", p.logs / "nginx-error.log"]))
    lines.append("api: " + api_command(p))
    lines.append(
        "worker: python -m switchboard_api wait-ready --migrated --timeout 180 "
        "&& exec python -m switchboard_api worker"
    )
    lines.append("realtime: exec python -m switchboard_realtime")
    lines.append("pbxsim: exec python -m switchboard_pbxsim")
    return lines
