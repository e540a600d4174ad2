"""The two local profiles (`make run`, `make test`) can run side by side on one machine."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra" / "local"))

from launcher import check_ports_free  # noqa: E402
from profiles import (  # noqa: E402
    COMPANION_OFFSET,
    MAX_SCALE,
    MAX_TEST_SLOT,
    TEST_SLOT_STRIDE,
    External,
    Ports,
    Profile,
    profile,
    service_env,
)
from programs import stack_programs, weed_command  # noqa: E402
from provision import ProvisionError, nginx_binary, render_nginx  # noqa: E402
from redis_cluster import cluster_conf  # noqa: E402
from upstream_spread import log_mark, read_spread  # noqa: E402

NO_EXTERNALS = External(database_url=None, redis_url=None, s3_endpoint_url=None)


def test_every_port_of_the_two_profiles_is_distinct_derived_ones_included() -> None:
    run = profile("run").ports.all(MAX_SCALE, cluster=True)
    test = profile("test").ports.all(MAX_SCALE, cluster=True)
    assert len(set(run.values())) == len(run)
    assert len(set(test.values())) == len(test)
    assert not set(run.values()) & set(test.values())
    # SeaweedFS dials admin.port + 10000 for the admin's gRPC: that derived port is listed.
    for ports in (run, test):
        assert ports["s3 admin.port.grpc"] == ports["s3 admin.port"] + 10000


def test_the_run_profiles_derived_admin_grpc_port_is_not_a_test_port() -> None:
    """The clash that made `make test` fail while `make run` was up (18129 in both)."""
    run_admin_grpc = profile("run").ports.all()["s3 admin.port.grpc"]
    assert run_admin_grpc not in profile("test").ports.all().values()


def test_each_test_slot_and_its_companion_have_ports_no_other_stack_uses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = set(profile("run").ports.all(MAX_SCALE, cluster=True).values())
    for slot in range(MAX_TEST_SLOT + 1):
        monkeypatch.setenv("SB_TEST_SLOT", str(slot))
        for name in ("test", "test-companion"):
            # Every node a scaled stack can run and the cluster's masters and bus ports.
            ports = set(profile(name).ports.all(MAX_SCALE, cluster=True).values())
            assert not ports & taken, f"slot {slot} {name} shares {sorted(ports & taken)}"
            taken |= ports


def test_every_port_of_a_scaled_cluster_stack_moves_with_the_slot_and_the_companion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two checkouts (slots), and a checkout's two stacks, differ in every port: each one of
    the scaled nodes and of the cluster included, none left at a fixed number."""
    monkeypatch.setenv("SB_TEST_SLOT", "0")
    base = list(profile("test").ports.all(MAX_SCALE, cluster=True).values())
    for slot in range(MAX_TEST_SLOT + 1):
        monkeypatch.setenv("SB_TEST_SLOT", str(slot))
        for name, offset in (("test", 0), ("test-companion", COMPANION_OFFSET)):
            moved = slot * TEST_SLOT_STRIDE + offset
            p = profile(name, scale=2, redis_cluster=True)
            # Listed in one order for every profile, so port by port.
            listed = list(p.ports.all(MAX_SCALE, cluster=True).values())
            assert listed == [port + moved for port in base], (slot, name)
            assert (p.scale, p.redis_cluster) == (2, True)


def test_a_stacks_ports_stay_in_its_slots_block_of_100() -> None:
    """Past the block the next slot begins: SeaweedFS's derived admin gRPC port aside (it
    is 10000 above, in a block of its own), every port of the largest stack stays inside."""
    start = profile("test").ports.nginx
    for name in ("test", "test-companion"):
        listed = profile(name).ports.all(MAX_SCALE, cluster=True)
        del listed["s3 admin.port.grpc"]
        assert set(listed.values()) <= set(range(start, start + TEST_SLOT_STRIDE)), name


@pytest.mark.parametrize("bad", ["-1", "10", "two"])
def test_a_test_slot_out_of_range_is_refused_with_its_value(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("SB_TEST_SLOT", bad)
    with pytest.raises(SystemExit, match=repr(bad)):
        profile("test")


@pytest.mark.parametrize("name", ["run", "test"])
def test_seaweedfs_is_given_every_port_the_profile_lists(name: str) -> None:
    p = profile(name)
    command = weed_command(p, "bucket")
    for flag, port in p.ports.weed().items():
        assert f"-{flag}={port}" in command


def test_a_held_port_is_named_with_the_process_that_holds_it(tmp_path: Path) -> None:
    """A derived port (the admin's gRPC) taken by another program stops the start clearly."""
    free = Ports(*_free_ports(len(fields(Ports))))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        held = holder.getsockname()[1]
        holder.listen()
        ports = replace(free, weed_base=held - 10009)
        p = profile("test").__class__("test", ports)
        with pytest.raises(ProvisionError) as refused:
            check_ports_free(p, NO_EXTERNALS)
    message = str(refused.value)
    assert f"s3 admin.port.grpc port {held} is held by pid" in message
    assert "python" in message  # this test's own process holds it


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def test_the_scaled_profile_runs_each_app_program_once_per_node_on_its_own_ports() -> None:
    p = profile("test", scale=2)
    programs = {
        program.name: program.command for program in stack_programs(p, NO_EXTERNALS, None, "b")
    }
    assert {"api", "api-2", "worker", "worker-2", "realtime", "realtime-2"} <= set(programs)
    api_ports, rt_ports = p.ports.api_ports(2), p.ports.realtime_ports(2)
    assert f"--port {api_ports[0]} " in programs["api"]
    assert f"--port {api_ports[1]} " in programs["api-2"]
    assert f"RT_PORT={rt_ports[1]}" in programs["realtime-2"]
    assert "RT_PORT" not in programs["realtime"]  # the stack's environment names the first
    sockets = {p.realtime_socket(0), p.realtime_socket(1)}
    assert len(sockets) == 2
    assert all(str(sock) in programs["realtime-2"] for sock in sockets - {p.realtime_socket(0)})
    # Each worker serves its metrics on a port of its own; each API node adds its uvicorn
    # workers' samples up in a directory of its own (each empties its own when it starts).
    metrics_ports = p.ports.worker_metrics_ports(2)
    assert len(set(metrics_ports)) == 2
    assert "API_WORKER_METRICS_PORT" not in programs["worker"]
    assert f"API_WORKER_METRICS_PORT={metrics_ports[1]} " in programs["worker-2"]
    assert service_env(p, NO_EXTERNALS)["API_WORKER_METRICS_PORT"] == str(metrics_ports[0])
    assert "API_METRICS_DIR" not in programs["api"]
    assert f"API_METRICS_DIR={p.api_metrics_dir(1)} " in programs["api-2"]
    assert p.api_metrics_dir(1) != p.api_metrics_dir(0)
    assert service_env(p, NO_EXTERNALS)["API_METRICS_DIR"] == str(p.api_metrics_dir(0))


def test_a_scale_out_of_range_is_refused_with_its_value() -> None:
    with pytest.raises(SystemExit, match=str(MAX_SCALE + 1)):
        profile("test", scale=MAX_SCALE + 1)


def scaled_scratch_profile(tmp_path: Path) -> Profile:
    """The test profile at scale 2 whose state (and logs) live under ``tmp_path``."""

    @dataclass(frozen=True)
    class Scratch(Profile):
        @property
        def state(self) -> Path:
            return tmp_path

    p = Scratch("test", profile("test").ports, scale=2)
    p.logs.mkdir()
    return p


def test_the_scaled_profiles_nginx_balances_over_every_node(tmp_path: Path) -> None:
    p = scaled_scratch_profile(tmp_path)
    conf = render_nginx(p, None, "bucket")
    text = conf.read_text()
    api = text.split("upstream api {", 1)[1].split("}", 1)[0]
    realtime = text.split("upstream realtime {", 1)[1].split("}", 1)[0]
    assert [f"server 127.0.0.1:{port};" for port in p.ports.api_ports(2)] == [
        line.strip() for line in api.splitlines() if line.strip().startswith("server ")
    ]
    assert [f"server {address};" for address in p.realtime_upstreams()] == [
        line.strip() for line in realtime.splitlines() if line.strip().startswith("server ")
    ]
    assert "least_conn;" in realtime
    # Each upstream's balancer state is shared by nginx's worker processes: per worker, two
    # browsers' upgrades accepted by two workers could both go to the first node.
    assert "zone api " in api
    assert "zone realtime " in realtime
    # nginx itself accepts the rendered configuration.
    checked = subprocess.run(
        [nginx_binary(), "-t", "-q", "-p", str(tmp_path / "nginx"), "-c", str(conf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_cluster_profile_runs_three_masters_and_joins_them_before_the_apps() -> None:
    p = profile("test", redis_cluster=True)
    programs = {program.name: program for program in stack_programs(p, NO_EXTERNALS, None, "b")}
    ports, bus_ports = p.ports.redis_cluster_ports()
    for i, port in enumerate(ports):
        conf = p.state / "redis-cluster" / str(port) / "redis.conf"
        assert str(conf) in programs[f"redis-cluster-{i + 1}"].command
    assert "redis_cluster.py" in programs["prepare"].command
    assert all(str(port) in programs["prepare"].command for port in ports)
    assert programs["realtime"].after_prepare  # the cluster is joined by then
    env = service_env(p, NO_EXTERNALS)
    assert env["RT_REDIS_URL"] == env["API_REDIS_URL"] == f"redis+cluster://127.0.0.1:{ports[0]}"
    assert "redis-cluster-1" not in {
        x.name for x in stack_programs(profile("test"), NO_EXTERNALS, None, "b")
    }
    conf = cluster_conf(Path("/x"), ports[0], bus_ports[0], None)
    assert f"cluster-port {bus_ports[0]}\n" in conf  # never port + 10000, another stack's


def test_the_spread_over_nodes_is_read_from_nginxs_access_log(tmp_path: Path) -> None:
    """What nginx sent to each API process and realtime node after a mark: the last address
    of a retried request, WebSocket upgrades only (101) for the realtime nodes."""
    p = scaled_scratch_profile(tmp_path)
    api_1, api_2 = (f"127.0.0.1:{port}" for port in p.ports.api_ports(2))
    rt_1, rt_2 = p.realtime_upstreams()

    def line(uri: str, status: int, upstream: str) -> str:
        entry = {"uri": uri, "status": status, "upstream_addr": upstream}
        return json.dumps(entry) + "\n"

    log = p.logs / "nginx-access.log"
    log.write_text(line("/api/v1/contacts", 200, api_2))  # before the mark: not counted
    mark = log_mark(p)
    with log.open("a") as out:
        out.write(line("/api/v1/auth/me", 200, api_1))
        out.write(line("/api/v1/contacts", 200, f"{api_2}, {api_1}"))  # retried on api
        out.write(line("/app/key", 101, rt_1))
        out.write(line("/app/key", 429, ""))  # refused by nginx itself
        out.write(line("/app/key", 503, rt_2))  # not a WebSocket
        out.write('{"uri": "/api/v1/con')  # cut by a stop mid-write
    spread = read_spread(p, mark)
    assert spread.api == {"api": 2, "api-2": 0}
    assert spread.realtime == {"realtime": 1, "realtime-2": 0}
    assert spread.idle_nodes() == ["api-2", "realtime-2"]
    assert spread.summary() == "API requests: api 2, api-2 0; WebSockets: realtime 1, realtime-2 0"
    assert read_spread(p).api == {"api": 2, "api-2": 1}
