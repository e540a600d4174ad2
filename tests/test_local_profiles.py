"""The two local profiles (`make run`, `make test`) can run side by side on one machine."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra" / "local"))

from launcher import check_ports_free  # noqa: E402
from profiles import MAX_TEST_SLOT, External, Ports, profile  # noqa: E402
from programs import weed_command  # noqa: E402
from provision import ProvisionError  # noqa: E402

NO_EXTERNALS = External(database_url=None, redis_url=None, s3_endpoint_url=None)


def test_every_port_of_the_two_profiles_is_distinct_derived_ones_included() -> None:
    run, test = profile("run").ports.all(), profile("test").ports.all()
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
    taken = set(profile("run").ports.all().values())
    for slot in range(MAX_TEST_SLOT + 1):
        monkeypatch.setenv("SB_TEST_SLOT", str(slot))
        for name in ("test", "test-companion"):
            ports = set(profile(name).ports.all().values())
            assert not ports & taken, f"slot {slot} {name} shares {sorted(ports & taken)}"
            taken |= ports


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
    free = Ports(*_free_ports(8))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        held = holder.getsockname()[1]
        holder.listen()
        ports = Ports(
            free.nginx,
            free.api,
            free.realtime,
            free.pbxsim,
            free.postgres,
            free.redis,
            held - 10009,
            free.worker_metrics,
        )
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
