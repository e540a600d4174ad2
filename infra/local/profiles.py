"""Where each local profile keeps its state and which ports it uses.

``run`` is the developer's system (``make run``); ``test`` is the suite's own stack
(``make test``): separate ports and state, so one never disturbs the other.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path

from switchboard_api.auth.seed import DEMO_ACCOUNTS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SERVICE_USER = "switchboard"
DEMO_LOGIN = (DEMO_ACCOUNTS[0][0], DEMO_PASSWORD)  # dev-only, seeded by `make run`


# Every port SeaweedFS's ``weed mini`` listens on, as an offset from the profile's base.
# Each is pinned by its flag: left alone, weed derives gRPC ports as port + 10000, which can
# land on the other profile's ports (the admin's gRPC port is derived that way even when set).
WEED_PORT_FLAGS = {
    "master.port": 1,
    "master.port.grpc": 2,
    "volume.port": 3,
    "volume.port.grpc": 4,
    "filer.port": 5,
    "filer.port.grpc": 6,
    "s3.port": 7,
    "s3.port.grpc": 8,
    "admin.port": 9,
    "admin.port.grpc": 10009,  # the admin's workers dial admin.port + 10000
}


@dataclass(frozen=True)
class Ports:
    """The TCP ports of one profile (all on 127.0.0.1)."""

    nginx: int
    api: int
    realtime: int
    pbxsim: int
    postgres: int
    redis: int
    weed_base: int  # SeaweedFS listens on weed_base + each offset of WEED_PORT_FLAGS
    #: the first worker's Prometheus /metrics; the scaled profile's other workers take the
    #: ports right after it
    worker_metrics: int
    #: the scaled profile's second and later API and realtime nodes: two ports per node
    extra_nodes_base: int
    #: the local Redis Cluster's three masters, then their three bus ports
    redis_cluster_base: int

    def api_ports(self, scale: int = 1) -> list[int]:
        """The port of each API process (the first is ``api``)."""
        return [self.api, *(self.extra_nodes_base + 2 * i for i in range(scale - 1))]

    def realtime_ports(self, scale: int = 1) -> list[int]:
        """The port of each realtime node (the first is ``realtime``)."""
        return [self.realtime, *(self.extra_nodes_base + 2 * i + 1 for i in range(scale - 1))]

    def worker_metrics_ports(self, scale: int = 1) -> list[int]:
        """The metrics port of each worker (the first is ``worker_metrics``)."""
        return [self.worker_metrics + i for i in range(scale)]

    @property
    def s3(self) -> int:
        """The S3 API port of SeaweedFS."""
        return self.weed_base + WEED_PORT_FLAGS["s3.port"]

    def weed(self) -> dict[str, int]:
        """Every SeaweedFS port by its flag name, derived ones included."""
        return {name: self.weed_base + off for name, off in WEED_PORT_FLAGS.items()}

    def redis_cluster_ports(self) -> tuple[list[int], list[int]]:
        """The local Redis Cluster's masters: their client ports and their bus ports."""
        base = self.redis_cluster_base
        return [base + i for i in range(3)], [base + 3 + i for i in range(3)]

    def by_process(self, scale: int = 1, cluster: bool = False) -> dict[str, dict[str, int]]:
        """Every port the profile listens on, grouped by the process that owns it."""
        ports, bus_ports = self.redis_cluster_ports() if cluster else ([], [])
        masters = {
            f"redis-cluster-{i + 1}": {f"redis cluster {port}": port, f"redis bus {bus}": bus}
            for i, (port, bus) in enumerate(zip(ports, bus_ports, strict=True))
        }
        return {
            **masters,
            "nginx": {"nginx": self.nginx},
            **{
                node_name("api", i): {node_name("api", i): port}
                for i, port in enumerate(self.api_ports(scale))
            },
            **{
                node_name("realtime", i): {node_name("realtime", i): port}
                for i, port in enumerate(self.realtime_ports(scale))
            },
            "pbxsim": {"pbx-simulator": self.pbxsim},
            **{
                node_name("worker", i): {f"{node_name('worker', i)} metrics": port}
                for i, port in enumerate(self.worker_metrics_ports(scale))
            },
            "postgres": {"postgres": self.postgres},
            "redis": {"redis": self.redis},
            "s3": {f"s3 {name}": port for name, port in self.weed().items()},
        }

    def shifted(self, offset: int) -> Ports:
        """The same layout moved up by ``offset``."""
        return Ports(**{f.name: getattr(self, f.name) + offset for f in fields(self)})

    def all(self, scale: int = 1, cluster: bool = False) -> dict[str, int]:
        """Every port of the profile by a name that says what listens on it."""
        groups = self.by_process(scale, cluster).values()
        return {name: port for group in groups for name, port in group.items()}


#: the most nodes of each kind the scaled profile runs (its ports stay inside the profile's
#: block, clear of its companion's and of the next test slot's: see PORTS)
MAX_SCALE = 4


def node_name(kind: str, index: int) -> str:
    """The supervised program of node ``index`` (0-based): ``api``, ``api-2``, ..."""
    return kind if index == 0 else f"{kind}-{index + 1}"


# Each profile's ports sit in a block of 100 from its nginx port, at these offsets: nginx +0,
# the scaled profile's other API and realtime nodes +1..+6, the first API, realtime node and
# PBX simulator +20..+22, worker metrics +23..+26, PostgreSQL and Redis +30/+31, the local
# Redis Cluster +32..+37, SeaweedFS +51..+59 (and its admin gRPC port 10000 above). The
# companion test stack (+40, below) lands on +40..+46, +60..+66, +70..+77 and +91..+99, which
# the block leaves free; +49 stays free too: on slot 0 it is 18129, the run profile's admin gRPC.
PORTS = {
    "run": Ports(
        nginx=8080,
        api=8100,
        realtime=8101,
        pbxsim=8102,
        postgres=8110,
        redis=8111,
        weed_base=8120,
        worker_metrics=8103,
        extra_nodes_base=8081,
        redis_cluster_base=8112,
    ),
    # SeaweedFS at 18130: with 18120 the run profile's admin gRPC (8129 + 10000) was 18129,
    # the test profile's admin port, so `make test` failed while `make run` was up.
    "test": Ports(
        nginx=18080,
        api=18100,
        realtime=18101,
        pbxsim=18102,
        postgres=18110,
        redis=18111,
        weed_base=18130,
        worker_metrics=18103,
        extra_nodes_base=18081,
        redis_cluster_base=18112,
    ),
}


@dataclass(frozen=True)
class Profile:
    """One local stack: its name, ports and state directory under ``.local/``."""

    name: str
    ports: Ports
    #: how many API processes, realtime nodes and workers run (``make run SCALE=2``)
    scale: int = 1
    #: every service uses a local three-master Redis Cluster (``REDIS=cluster``)
    redis_cluster: bool = False

    @property
    def state(self) -> Path:
        """The profile's state directory."""
        return ROOT / ".local" / self.name

    @property
    def logs(self) -> Path:
        """Where the stack's log files go."""
        return self.state / "logs"

    def realtime_socket(self, index: int = 0) -> Path | None:
        """The Unix socket nginx reaches realtime node ``index`` on (a loopback TCP send
        costs several times more per WebSocket frame); ``None`` when this checkout's path is
        too long for one (the kernel allows 107 bytes), and nginx then uses the TCP port."""
        path = self.state / f"{node_name('realtime', index)}.sock"
        return path if len(str(path).encode()) <= 100 else None

    def api_metrics_dir(self, index: int = 0) -> Path:
        """Where API node ``index``'s uvicorn workers add up their Prometheus samples: one
        directory per node, as each empties its own when it starts."""
        return self.state / f"{node_name('api', index)}-metrics"

    def realtime_upstreams(self) -> list[str]:
        """How nginx reaches each realtime node: its Unix socket, else its TCP port."""
        ports = self.ports.realtime_ports(self.scale)
        found = [(self.realtime_socket(i), port) for i, port in enumerate(ports)]
        return [f"unix:{sock}" if sock else f"127.0.0.1:{port}" for sock, port in found]

    @property
    def base_url(self) -> str:
        """The one entry point (nginx)."""
        return f"http://127.0.0.1:{self.ports.nginx}"

    @property
    def public_url(self) -> str:
        """The URL printed for humans (and used in presigned links)."""
        return f"http://localhost:{self.ports.nginx}"


# Checkouts on one machine each take a test slot (SB_TEST_SLOT=1..9) to run their test stacks
# side by side: slot k moves every test port up by k * 100, clear of the other slots and of
# the run profile. Slot 0 (the default) is what CI and a lone checkout use.
TEST_SLOT_STRIDE = 100
MAX_TEST_SLOT = 9


def test_slot() -> int:
    """The test slot SB_TEST_SLOT names (0 when unset)."""
    raw = os.environ.get("SB_TEST_SLOT", "").strip() or "0"
    if not raw.isdigit() or int(raw) > MAX_TEST_SLOT:
        raise SystemExit(f"SB_TEST_SLOT must be a number from 0 to {MAX_TEST_SLOT}, not {raw!r}")
    return int(raw)


# The whole suite runs on two test stacks at once: the companion takes the suites that kill
# and restart the stack's own processes, then the scaled tests and the browser tests on two
# nodes of each kind. +40 puts each of its ports, scaled and cluster ones included, between
# the slot's own and the next slot's (see PORTS).
COMPANION_OFFSET = 40


def profile(name: str, scale: int = 1, *, redis_cluster: bool = False) -> Profile:
    """The named profile (the test profiles on this checkout's test slot), with ``scale``
    API processes, realtime nodes and workers."""
    if not 1 <= scale <= MAX_SCALE:
        raise SystemExit(f"SCALE must be a number from 1 to {MAX_SCALE}, not {scale}")
    if name == "test-companion":
        ports = profile("test").ports.shifted(COMPANION_OFFSET)
        return Profile(name, ports, scale, redis_cluster)
    ports = PORTS[name]
    if name == "test":
        ports = ports.shifted(test_slot() * TEST_SLOT_STRIDE)
    return Profile(name, ports, scale, redis_cluster)


@dataclass(frozen=True)
class External:
    """Dependencies the user points at instead of the launcher's own processes."""

    database_url: str | None
    redis_url: str | None
    s3_endpoint_url: str | None

    @classmethod
    def from_env(cls) -> External:
        """Read the standard API variables; a set one means "don't start our own"."""
        return cls(
            database_url=os.environ.get("API_DATABASE_URL"),
            redis_url=os.environ.get("API_REDIS_URL"),
            s3_endpoint_url=os.environ.get("API_S3_ENDPOINT_URL"),
        )


def dev_secrets(p: Profile) -> dict[str, str]:
    """Random per-checkout development secrets, made once and kept under ``.local/``.

    Nothing secret lives in the repository; these never leave this machine.
    """
    path = p.state / "secrets.env"
    names = ("S3_ACCESS_KEY", "S3_SECRET_KEY", "API_SECRET_KEY", "REALTIME_SECRET", "PBX_SALT")
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            values[key] = value
    if not all(n in values for n in names):
        values = {n: "dev-" + secrets.token_hex(16) for n in names}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        path.chmod(0o600)
    return values


def service_env(p: Profile, ext: External) -> dict[str, str]:
    """Every service's settings for this profile, as the env vars they read."""
    s = dev_secrets(p)
    ports = p.ports
    redis = ext.redis_url or f"redis://127.0.0.1:{ports.redis}"
    redis_base = redis.rsplit("/", 1)[0] if redis.count("/") > 2 else redis
    # On a local cluster every service uses it (its keys are apart by prefix and tag).
    cluster = f"redis+cluster://127.0.0.1:{ports.redis_cluster_ports()[0][0]}"
    return {
        "API_DATABASE_URL": ext.database_url
        or f"postgresql+asyncpg://switchboard:switchboard@127.0.0.1:{ports.postgres}/switchboard",
        "API_REDIS_URL": ext.redis_url or (cluster if p.redis_cluster else f"{redis_base}/0"),
        "API_S3_ENDPOINT_URL": ext.s3_endpoint_url or f"http://127.0.0.1:{ports.s3}",
        "API_S3_PUBLIC_URL": p.public_url,
        "API_S3_ACCESS_KEY": os.environ.get("API_S3_ACCESS_KEY", s["S3_ACCESS_KEY"]),
        "API_S3_SECRET_KEY": os.environ.get("API_S3_SECRET_KEY", s["S3_SECRET_KEY"]),
        "API_SECRET_KEY": s["API_SECRET_KEY"],
        "API_REALTIME_API_URL": f"http://127.0.0.1:{ports.realtime}",
        "API_REALTIME_SECRET": s["REALTIME_SECRET"],
        "API_METRICS_DIR": str(p.api_metrics_dir()),
        "API_WORKER_METRICS_PORT": str(ports.worker_metrics),
        "RT_HOST": "127.0.0.1",
        "RT_PORT": str(ports.realtime),
        "RT_UNIX_SOCKET": str(p.realtime_socket() or ""),
        "RT_REDIS_URL": cluster if p.redis_cluster else f"{redis_base}/1",
        "RT_APP_SECRET": s["REALTIME_SECRET"],
        "API_MANGO_BASE_URL": f"http://127.0.0.1:{ports.pbxsim}/vpbx",
        "API_MANGO_API_KEY": "dev-vpbx-key",
        "API_MANGO_API_SALT": s["PBX_SALT"],
        "PBXSIM_API_KEY": "dev-vpbx-key",
        "PBXSIM_HOST": "127.0.0.1",
        "PBXSIM_PORT": str(ports.pbxsim),
        "PBXSIM_API_SALT": s["PBX_SALT"],
        "PBXSIM_WEBHOOK_URL": f"http://127.0.0.1:{ports.api}/api/v1/telephony/mango",
    }
