"""The local launcher behind ``make run``, ``make test``, ``make bench`` and ``make screenshots``.

``run``: provision what is missing, then run every process in the foreground under
supervisord (configuration generated for the profile, see supervision.py): a process that
dies is restarted while the others keep running; Ctrl-C stops them all.
``test``: the same on the test profile's own ports and fresh state, then pytest, then stop.
``screenshots``: the README's screenshots, taken from the demo data on a fresh test stack.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import httpx
import psutil
import redis
from demo import load_demo, load_demo_data
from profiles import DEMO_LOGIN, ROOT, External, Profile, profile, service_env
from programs import Program, stack_programs
from provision import ProvisionError, provision
from supervision import StackSupervisor, render_supervisor_conf, start_after_prepare
from toolchain import ensure_programs, tool_env
from upstream_spread import log_mark, read_spread

from switchboard_api.auth.ratelimit import ACCOUNT_KEY, ADDRESS_KEY, PAIR_KEY
from switchboard_shared.redis_urls import cluster_seed_url, is_cluster_url
from web import ensure_built, has_client, run_screenshots, run_tests

BUCKET = "switchboard"


def _port_busy(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def hold_profile_lock(p: Profile, *, wait: bool) -> IO[bytes]:
    """Hold the profile's lock file, then clear out anything a killed run left behind.

    With ``wait`` a second run waits (saying so) for the first to finish; without it, it
    fails. Holding the lock means no live run owns processes under this profile's state, so
    any process still naming that directory is an orphan and is killed.
    """
    p.state.mkdir(parents=True, exist_ok=True)
    # The ports are the machine's, so the lock is too: checkouts queue instead of colliding.
    handle = (Path(tempfile.gettempdir()) / f"switchboard-{p.name}-{p.ports.nginx}.lock").open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not wait:
            handle.close()
            raise ProvisionError(f"another `make {p.name}` is already running here") from None
        print(f"another {p.name} stack is running here; waiting for it to finish", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    reap_orphans(p)
    return handle


def reap_orphans(p: Profile) -> None:
    """Kill leftover processes of this profile: their command lines name its state dir, or
    they descend from its supervisord (whose URL every child inherits in its environment)."""
    marker = (str(p.state) + "/").encode()
    inherited = f"SUPERVISOR_SERVER_URL={StackSupervisor(p).server_url}\0".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker in cmdline or inherited in environ:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(proc.name), signal.SIGKILL)
                print(f"killed a leftover process {proc.name} of the {p.name} profile", flush=True)


def _raise_on_sigterm() -> None:
    # Python's default SIGTERM ends the process without running `finally`; turn it into
    # an exception so the stack is always stopped.
    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def port_holder(port: int) -> str:
    """Which process listens on a local TCP port, as "pid 123 (name: command line)"."""
    try:
        listeners = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:  # not root: other users' sockets are hidden
        return "a process of another user"
    for conn in listeners:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "a process of another user"
            try:
                proc = psutil.Process(conn.pid)
                command = " ".join(proc.cmdline())[:120]
                return f"pid {conn.pid} ({proc.name()}: {command})"
            except psutil.Error:
                return f"pid {conn.pid}"
    return "an unknown process (a socket not yet released?)"


def check_ports_free(p: Profile, ext: External) -> None:
    """Fail early and clearly when anything holds a port this profile's processes will use.

    Every port is checked, the ones a tool derives from another included (SeaweedFS's gRPC
    ports), and each clash names the port and the process that holds it.
    """
    external = {
        "postgres": ext.database_url is not None,
        "redis": ext.redis_url is not None,
        "s3": ext.s3_endpoint_url is not None,
    }
    busy = [
        f"  {name} port {port} is held by {port_holder(port)}"
        for process, ports in p.ports.by_process(p.scale, p.redis_cluster).items()
        if not external.get(process, False)
        for name, port in ports.items()
        if _port_busy(port)
    ]
    if busy:
        raise ProvisionError(
            f"ports in use for the {p.name} profile:\n" + "\n".join(busy) + "\n"
            f"stop what holds them (another `make {p.name}` in another checkout?) and retry"
        )


def start_supervisor(
    p: Profile, ext: External, programs: list[Program], log: Path | None
) -> subprocess.Popen[bytes]:
    """Start supervisord on the profile's generated configuration, with every service's
    settings in its environment, in its own session so we can always stop it whole."""
    conf = render_supervisor_conf(p, programs)
    out = log.open("ab") if log else None
    return subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(conf)],
        cwd=ROOT,
        env={**os.environ, **service_env(p, ext)},
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
        start_new_session=True,
    )


def stop_supervisor(p: Profile, sup: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """SIGTERM supervisord (it stops every program, each with its process group), then
    make sure nothing of the profile is left."""
    if sup.poll() is None:
        sup.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            sup.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(sup.pid, signal.SIGKILL)
    reap_orphans(p)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - fixed local URLs
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(
    p: Profile, sup: subprocess.Popen[bytes], programs: list[Program], timeout: float
) -> bool:
    """Start the API and worker once the database is prepared, then wait until nginx
    answers readyz and the realtime node and simulator are up."""
    if not start_after_prepare(StackSupervisor(p), programs, timeout):
        return False
    urls = [
        f"{p.base_url}/api/readyz",
        *(f"http://127.0.0.1:{port}/api/readyz" for port in p.ports.api_ports(p.scale)[1:]),
        *(f"http://127.0.0.1:{port}/healthz" for port in p.ports.realtime_ports(p.scale)),
        f"http://127.0.0.1:{p.ports.pbxsim}/healthz",
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sup.poll() is not None:
            return False
        if all(_http_ok(u) for u in urls):
            return True
        time.sleep(0.5)
    return False


def cmd_run(scale: int, redis_cluster: bool = False) -> int:
    """``make run``: the whole system in the foreground until Ctrl-C."""
    p = profile("run", scale, redis_cluster=redis_cluster)
    ext = External.from_env()
    with hold_profile_lock(p, wait=False):
        return _run_until_stopped(p, ext)


def _run_until_stopped(p: Profile, ext: External) -> int:
    ensure_built()
    user = provision(p, ext, BUCKET)
    check_ports_free(p, ext)
    programs = stack_programs(p, ext, user, BUCKET)
    sup = start_supervisor(p, ext, programs, None)
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)
        sup.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if wait_ready(p, sup, programs, timeout=180):
        try:
            load_demo(p)
        except (httpx.HTTPError, RuntimeError) as exc:
            print(f"warning: the demo data did not load: {exc}", flush=True)
        email, password = DEMO_LOGIN
        print(
            f"\n  Switchboard is running at {p.public_url}\n"
            f"  demo login: {email} / {password}\n"
            f"  API docs:   {p.public_url}/api/docs\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
    try:
        code = sup.wait()
    finally:
        stop_supervisor(p, sup)
    return 0 if stopping else code


def reset_login_limits(redis_url: str) -> None:
    """Forget every login attempt counted so far (the rate limiter's Redis keys)."""
    client: redis.Redis | redis.RedisCluster = (
        redis.RedisCluster.from_url(cluster_seed_url(redis_url))  # scans every master
        if is_cluster_url(redis_url)
        else redis.Redis.from_url(redis_url)
    )
    try:
        for prefix in (PAIR_KEY, ACCOUNT_KEY, ADDRESS_KEY):
            for key in client.scan_iter(match=prefix + "*", count=500):
                client.delete(key)
    finally:
        client.close()


class StackNotReady(RuntimeError):
    """The stack's services did not all answer in time."""


@contextlib.contextmanager
def running_stack(p: Profile, ext: External, tools: Sequence[str] = ()) -> Iterator[dict[str, str]]:
    """Provision and start the profile's stack, yield the env its clients need, stop it.

    The env names the absolute path of Python, uv and each of ``tools`` (``SB_*``): the
    tests never look a program up on PATH.
    """
    user = provision(p, ext, BUCKET)
    check_ports_free(p, ext)
    log = p.logs / "stack.log"
    programs = stack_programs(p, ext, user, BUCKET)
    sup = start_supervisor(p, ext, programs, log)
    try:
        if not wait_ready(p, sup, programs, timeout=240):
            tail = "".join(log.read_text(errors="replace").splitlines(True)[-60:])
            raise StackNotReady(f"the {p.name} stack did not become ready; end of {log}:\n{tail}")
        yield {
            **os.environ,
            **service_env(p, ext),
            "SB_BASE_URL": p.base_url,
            "SB_API_URL": f"http://127.0.0.1:{p.ports.api}",
            "SB_REALTIME_URL": f"http://127.0.0.1:{p.ports.realtime}",
            # The scaled stack's nodes, each reachable on its own (the tests pick one).
            "SB_SCALE": str(p.scale),
            "SB_API_URLS": _urls(p.ports.api_ports(p.scale)),
            "SB_REALTIME_URLS": _urls(p.ports.realtime_ports(p.scale)),
            "SB_WORKER_METRICS_URLS": _urls(p.ports.worker_metrics_ports(p.scale)),
            "SB_PBXSIM_URL": f"http://127.0.0.1:{p.ports.pbxsim}",
            "SB_STATE_DIR": str(p.state),
            **tool_env("nginx", "redis-server", "redis-cli", *tools),
            "SB_SUPERVISOR_URL": StackSupervisor(p).server_url,
        }
    finally:
        stop_supervisor(p, sup)


def _urls(ports: list[int]) -> str:
    return ",".join(f"http://127.0.0.1:{port}" for port in ports)


# The suites that kill and restart the stack's own processes (or wait out its recovery) run
# on a companion stack beside the rest: the main suite's stack is never restarted under it,
# and the slow waits overlap with its work. The browser tests follow on the companion's
# scaled phase (below).
COMPANION_SUITES = (
    "tests/test_faults.py",
    "tests/test_supervision.py",
    "tests/test_realtime_e2e_recovery.py",
    "tests/test_realtime_e2e_slow.py",
)

#: what the companion runs last in a whole ``make test``, then the web client's tests, on a
#: scaled stack of its own whose services all use a local Redis Cluster (the tests marked
#: ``cluster`` need one)
SCALED_SELECTION = ["-m", "scaled", "tests"]  # only the cross-service tree is marked
SCALED_PHASE_SCALE = 2


def _fresh_state(p: Profile) -> None:
    for fresh in ("pg", "s3", "redis", "redis-cluster", "logs"):  # every run: empty stores
        shutil.rmtree(p.state / fresh, ignore_errors=True)


def _stack_tools() -> list[str]:
    # The realtime tests drive pusher-js in node; the web client's end-to-end tests, chromium;
    # promtool checks the Prometheus configuration and alert rules; pg_dump and pg_restore
    # come with the PostgreSQL binaries (SB_PG_BIN).
    return ["node", "npm", "promtool", *(["chromium"] if has_client() else [])]


def _web_suite(
    env: dict[str, str], out: IO[str] | None = None, e2e_args: Sequence[str] = ()
) -> int:
    # The Python suite fails logins on purpose from this address (limits, fuzzing); the
    # browser suite starts with clean login counters, as a new office would.
    reset_login_limits(env["API_REDIS_URL"])
    started = time.monotonic()
    code = run_tests(env, out, e2e_args)
    took = time.monotonic() - started
    print(f"the web client's tests took {took:.0f} s", file=out or sys.stdout, flush=True)
    return code


def _browsers_spread(p: Profile, since: int, out: IO[str] | None, *, whole: bool) -> int:
    """On a scaled stack, after its browser tests and once it is stopped (nginx logs a
    WebSocket when it closes): which API process and realtime node served how much of them.
    A whole browser run that left a node idle proved nothing across nodes: it fails."""
    if p.scale == 1 or not has_client():
        return 0
    spread = read_spread(p, since)
    print(f"the web client's tests through nginx: {spread.summary()}", file=out, flush=True)
    idle = spread.idle_nodes()
    if whole and idle:
        print(f"error: the browser tests never reached {', '.join(idle)}", file=out, flush=True)
        return 1
    return 0


def cmd_test(
    pytest_args: Sequence[str],
    *,
    scale: int = 1,
    redis_cluster: bool = False,
    python: bool = True,
    web: bool = True,
    e2e_args: Sequence[str] = (),
) -> int:
    """``make test``: fresh test-profile stack(s), the suite, then stop everything.

    The whole suite (no pytest arguments, own services, one node of each kind) runs on two
    stacks at once: see :data:`COMPANION_SUITES`; the companion ends with the tests marked
    ``scaled`` and the web client's on two nodes of each kind. A chosen subset, ``test-web``,
    or a whole suite with ``SCALE``/``REDIS`` given runs on one stack as given.
    """
    p = profile("test", scale, redis_cluster=redis_cluster)
    ext = External.from_env()
    whole = (
        python
        and web
        and not pytest_args
        and ext == External(None, None, None)
        and scale == 1
        and not redis_cluster
    )
    with hold_profile_lock(p, wait=True):  # one test stack per slot at a time
        _raise_on_sigterm()
        check_ports_free(p, ext)
        _fresh_state(p)
        tools = _stack_tools()
        ensure_programs(*tools)
        ensure_built(strict=web)
        if whole:
            return _whole_suite(p, ext, tools)
        with running_stack(p, ext, tools) as env:
            code = 0
            if python:
                pytest = [sys.executable, "-m", "pytest", *pytest_args]
                code = subprocess.call(pytest, cwd=ROOT, env=env)
            if not web or code:
                return code
            since = log_mark(p)
            code = _web_suite(env, e2e_args=e2e_args)
        return code or _browsers_spread(p, since, None, whole=not e2e_args)


def _whole_suite(p: Profile, ext: External, tools: Sequence[str]) -> int:
    """The main suite on ``p`` while the companion suites, then the scaled tests and the
    browser tests run on the companion's ports; the companion's output is printed once the
    main suite is done."""
    companion = profile("test-companion")
    _fresh_state(companion)
    companion.logs.mkdir(parents=True, exist_ok=True)
    report = companion.logs / "suite.log"
    ignored = [f"--ignore={suite}" for suite in COMPANION_SUITES]
    with running_stack(p, ext, tools) as env:
        main = subprocess.Popen([sys.executable, "-m", "pytest", *ignored], cwd=ROOT, env=env)
        try:
            with report.open("w") as out:
                with running_stack(companion, ext, tools) as cenv:
                    pytest = [sys.executable, "-m", "pytest", *COMPANION_SUITES]
                    side = subprocess.call(pytest, cwd=ROOT, env=cenv, stdout=out, stderr=out)
                side = _scaled_phase(companion, ext, tools, out) or side
        except BaseException:
            main.terminate()
            raise
        finally:
            code = main.wait()
    print(
        f"\n=== companion stack: {' '.join(COMPANION_SUITES)}, then the tests marked "
        f"`scaled` and the web client's on {SCALED_PHASE_SCALE} nodes ==="
    )
    print(report.read_text(errors="replace"), flush=True)
    return code or side


def _scaled_phase(companion: Profile, ext: External, tools: Sequence[str], out: IO[str]) -> int:
    """The ``scaled`` tests, then the web client's, on the companion's ports and stores,
    now with :data:`SCALED_PHASE_SCALE` API processes, realtime nodes and workers behind its
    nginx, all on a local three-master Redis Cluster: what must hold on any number of nodes
    is shown to hold on more than one, and on a cluster as on one Redis. Every live browser
    test (two browsers, presence, the incoming-call popup, notifications, wrap-ups) runs
    here, its browsers on different nodes (nginx's least_conn); timed."""
    scaled = profile(companion.name, SCALED_PHASE_SCALE, redis_cluster=True)
    started = time.monotonic()
    print(
        f"\nscaled phase: the tests marked `scaled`, then the web client's, on {scaled.scale} "
        "nodes and a Redis Cluster",
        file=out,
        flush=True,
    )
    with running_stack(scaled, ext, tools) as env:
        reset_login_limits(env["API_REDIS_URL"])
        pytest = [sys.executable, "-m", "pytest", *SCALED_SELECTION]
        tests_started = time.monotonic()
        code = subprocess.call(pytest, cwd=ROOT, env=env, stdout=out, stderr=out)
        took = time.monotonic() - tests_started
        print(f"the tests marked `scaled` took {took:.0f} s", file=out, flush=True)
        since = log_mark(scaled)
        code = _web_suite(env, out) or code
    code = _browsers_spread(scaled, since, out, whole=True) or code
    print(f"scaled phase took {time.monotonic() - started:.0f} s", file=out, flush=True)
    return code


def cmd_bench(args: Sequence[str], scale: int = 1, redis_cluster: bool = False) -> int:
    """``make bench``: the benchmarks under bench/ against a test-profile stack."""
    p = profile("test", scale, redis_cluster=redis_cluster)
    ext = External.from_env()
    with hold_profile_lock(p, wait=True):
        _raise_on_sigterm()
        # wrk loads the API; node runs the fan-out baseline and Lighthouse, on chromium.
        tools = ["node", "npm", "wrk", "chromium"]
        ensure_programs(*tools)
        ensure_built(strict=False)
        with running_stack(p, ext, tools) as env:
            # The benchmarks sign in from this address: login attempts a test run on this
            # profile counted (it fails logins on purpose) must not refuse them.
            reset_login_limits(env["API_REDIS_URL"])
            return subprocess.call([sys.executable, str(ROOT / "bench" / "run.py"), *args], env=env)


def cmd_screenshots() -> int:
    """``make screenshots``: a fresh test-profile stack (its own stores: the demo data must be
    all there is), the demo employees and records seeded as ``make run`` seeds them, then the
    web client's screenshot script writes docs/screenshots/*.png."""
    p = profile("test")
    ext = External(None, None, None)
    with hold_profile_lock(p, wait=True):
        _raise_on_sigterm()
        check_ports_free(p, ext)
        _fresh_state(p)
        tools = ["node", "npm", "chromium"]
        ensure_programs(*tools)
        ensure_built()
        with running_stack(p, ext, tools) as env:
            # The same seed steps as `make run`'s `prepare --seed-demo`, then its demo data.
            seed = [sys.executable, "-m", "switchboard_api", "seed-demo"]
            subprocess.run(seed, cwd=ROOT, env=env, check=True)
            load_demo_data(p.base_url, env["SB_PBXSIM_URL"])
            return run_screenshots(env)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: ``launcher.py run|test|bench [args...]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        help="API processes, realtime nodes and workers to run (SCALE=2 in make)",
    )
    parser.add_argument(
        "--redis",
        choices=["one", "cluster"],
        default="one",
        help="the services' Redis: one server, or a local 3-master cluster (REDIS=cluster)",
    )
    parser.add_argument("command", choices=["run", "test", "test-web", "bench", "screenshots"])
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    cluster = ns.redis == "cluster"
    try:
        if ns.command == "run":
            return cmd_run(ns.scale, cluster)
        if ns.command == "test":
            # A chosen subset of the Python suite (pytest arguments) skips the web client's.
            return cmd_test(ns.args, scale=ns.scale, redis_cluster=cluster, web=not ns.args)
        if ns.command == "test-web":
            # Arguments pick Playwright specs (`make test-web ARGS=e2e/daily.spec.ts`).
            return cmd_test(
                [], scale=ns.scale, redis_cluster=cluster, python=False, e2e_args=ns.args
            )
        if ns.command == "screenshots":
            return cmd_screenshots()
        return cmd_bench(ns.args, ns.scale, cluster)
    except (ProvisionError, StackNotReady, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
