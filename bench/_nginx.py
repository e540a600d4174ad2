"""Benchmark helpers: a server behind an nginx rendered from the stack's own template, so
a bare ceiling and the API go through the same proxy settings."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from string import Template

import httpx

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "infra" / "nginx" / "local.conf.template"


class _NginxTemplate(Template):
    delimiter = "@"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_http(url: str, timeout: float = 30.0) -> None:
    """Wait until ``url`` answers at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def nginx_in_front_of(api_port: int) -> Iterator[str]:
    """nginx from ``infra/nginx/local.conf.template`` with ``/api/`` proxied to
    ``api_port``; yields its base URL."""
    work = Path(tempfile.mkdtemp(prefix="sb-bench-nginx-"))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / "tmp" / sub).mkdir(parents=True)
    shutil.chown(work / "tmp", "nobody")
    for sub in (work / "tmp").iterdir():
        shutil.chown(sub, "nobody")
    listen = free_port()
    mime = Path("/etc/nginx/mime.types")
    conf = work / "nginx.conf"
    conf.write_text(
        _NginxTemplate(TEMPLATE.read_text()).substitute(
            user_directive="",
            pid=work / "nginx.pid",
            error_log=work / "error.log",
            access_log=work / "access.log",
            tmp=work / "tmp",
            mime_types=mime if mime.exists() else ROOT / "infra" / "nginx" / "mime.types",
            listen=listen,
            api_servers=f"        server 127.0.0.1:{api_port};",
            realtime_servers=f"        server 127.0.0.1:{free_port()};",
            s3_port=free_port(),
            bucket="bench",
            web_root=work,
            ws_per_address=64,
        )
    )
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])
    try:
        wait_http(f"http://127.0.0.1:{listen}/")
        yield f"http://127.0.0.1:{listen}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def uvicorn_command(app: str, port: int, *, factory: bool) -> list[str]:
    """The API's own server settings (2 workers, uvloop, httptools, no access log)."""
    return [
        "uvicorn",
        *(["--factory"] if factory else []),
        app,
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", "2", "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip
