"""The production nginx config (infra/nginx/production.conf): valid, and doing what it says.

No Docker here, so the config is checked with the local nginx binary on a *rendered
copy* (see :func:`render_for_local`), which changes only what ties it to the container:

- upstream host names (compose service names such as ``api-1``) become ``127.0.0.1``
  with the given ports, because ``nginx -t`` resolves them at load time;
- the certificate paths point at a self-signed pair made here with ``openssl req``;
- the SPA root points at a temporary directory; listen ports are free local ports;
  the ``[::]`` listeners are dropped (IPv6 may be missing in a sandbox);
- temp paths go under the test directory and, as root, workers stay root (so they can
  read pytest's private temp directories);
- on nginx < 1.25.1 (Debian 12 ships 1.22) ``http2 on;`` becomes the older
  ``listen ... ssl http2`` flag, which means the same.

Everything else (locations, headers, timeouts, upstream policy) is tested as written:
statically by reading the text, then live with nginx in front of stub upstreams.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from aiohttp import WSMsgType, web
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from switchboard_realtime.settings import RealtimeSettings

sys.path.insert(0, str(Path(__file__).parent))

from realtime_support.publish_paths import PUBLISH_API_PATHS, raw_status

REPO = Path(__file__).resolve().parents[1]
NGINX_DIR = REPO / "infra" / "nginx"
CONF = NGINX_DIR / "production.conf"
NGINX = os.environ.get("SB_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
HTTP2_DIRECTIVE_SINCE = (1, 25, 1)
UPSTREAM_SERVER = re.compile(r"^(\s*server\s+)([A-Za-z0-9.-]+):(\d+)", re.MULTILINE)


# ---------------------------------------------------------------- helpers


def conf_text() -> str:
    """The production config as committed."""
    return CONF.read_text()


def block(text: str, header: str) -> str:
    """The body of the first ``header { ... }`` block (braces balanced)."""
    start = text.index(header)
    open_at = text.index("{", start)
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    raise AssertionError(f"unbalanced block {header!r}")


def locations(text: str) -> dict[str, str]:
    """Every ``location`` of the config: its match spec -> its body."""
    found = {}
    for m in re.finditer(r"^\s*location\s+([^{]+?)\s*\{", text, re.MULTILINE):
        found[m.group(1)] = block(text[m.start() :], "location")
    return found


def seconds(value: str) -> int:
    """An nginx time value (``300s``, ``5m``, ``300``) in seconds."""
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", value)
    assert m, value
    factor = {"ms": 0.001, None: 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    return int(int(m.group(1)) * factor)


def nginx_version() -> tuple[int, ...]:
    """The local nginx's version, from ``nginx -v``."""
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True, check=True).stderr
    m = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", out)
    assert m, out
    return tuple(int(x) for x in m.groups())


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Render:
    """Where the rendered copy sends things."""

    cert: Path
    key: Path
    html_root: Path
    http_port: int
    https_port: int
    # upstream block name -> port of a local stub (every server of that block)
    upstream_ports: dict[str, int] = field(default_factory=dict)
    default_port: int = 9


def render_for_local(text: str, r: Render, workdir: Path) -> str:
    """The production config rewritten only where it is tied to the container (module doc)."""
    out = text.replace("/etc/nginx/tls/fullchain.pem", str(r.cert))
    out = out.replace("/etc/nginx/tls/privkey.pem", str(r.key))
    out = out.replace("root /usr/share/nginx/html;", f"root {r.html_root};")
    out = re.sub(r"^\s*listen \[::\]:.*\n", "", out, flags=re.MULTILINE)
    out = out.replace(
        "listen 80 default_server;", f"listen 127.0.0.1:{r.http_port} default_server;"
    )
    out = out.replace(
        "listen 443 ssl default_server;", f"listen 127.0.0.1:{r.https_port} ssl default_server;"
    )
    if nginx_version() < HTTP2_DIRECTIVE_SINCE:
        out = re.sub(r"^\s*http2 on;\n", "", out, flags=re.MULTILINE)
        out = out.replace(" ssl default_server;", " ssl http2 default_server;")

    def upstream(match: re.Match[str]) -> str:
        name = match.group(0).split("{")[0].split()[1]
        port = r.upstream_ports.get(name, r.default_port)
        return UPSTREAM_SERVER.sub(lambda m: f"{m.group(1)}127.0.0.1:{port}", match.group(0))

    out = re.sub(r"upstream\s+\w+\s*\{[^}]*\}", upstream, out)
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    out = out.replace("http {\n", "http {\n" + temp + "\n", 1)
    if os.geteuid() == 0:
        out = "user root;\n" + out
    return out


def write_rendered(workdir: Path, r: Render) -> Path:
    """Lay the rendered config and its snippets out like /etc/nginx; return the config."""
    conf_dir = workdir / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(NGINX_DIR / "snippets", conf_dir / "snippets", dirs_exist_ok=True)
    conf = conf_dir / "nginx.conf"
    conf.write_text(render_for_local(conf_text(), r, workdir))
    return conf


def nginx_cmd(workdir: Path, conf: Path, *extra: str) -> list[str]:
    """nginx run entirely inside ``workdir`` (prefix, pid, error log)."""
    globals_ = f"pid {workdir / 'nginx.pid'};"
    if "-t" not in extra:
        globals_ += " daemon off; master_process on;"
    return [NGINX, "-p", str(workdir), "-c", str(conf), "-e", "stderr", "-g", globals_, *extra]


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for localhost / 127.0.0.1."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "fullchain.pem", d / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


# ---------------------------------------------------------------- nginx -t


def test_nginx_accepts_the_config(tmp_path: Path, tls_pair: tuple[Path, Path]) -> None:
    cert, key = tls_pair
    html = tmp_path / "html"
    html.mkdir()
    r = Render(cert=cert, key=key, html_root=html, http_port=free_port(), https_port=free_port())
    conf = write_rendered(tmp_path, r)
    done = subprocess.run(
        nginx_cmd(tmp_path, conf, "-t"), check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_rendering_touches_only_container_ties(tmp_path: Path, tls_pair: tuple[Path, Path]) -> None:
    """Every location, header and timeout of the committed file survives rendering."""
    cert, key = tls_pair
    r = Render(cert=cert, key=key, html_root=tmp_path, http_port=1, https_port=2)
    rendered = render_for_local(conf_text(), r, tmp_path)
    for line in conf_text().splitlines():
        s = line.strip()
        if s.startswith(
            ("location", "add_header", "proxy_", "return", "include", "least_conn", "zone")
        ):
            assert s in rendered, s


# ---------------------------------------------------------------- the text


def test_publish_api_is_never_exposed() -> None:
    text = conf_text()
    assert re.search(r"location \^~ /apps/ \{\s*return 404;\s*\}", text)
    assert re.search(r"location = /apps \{\s*return 404;\s*\}", text)
    # No other location may reach realtime except the WebSocket handshake.
    to_realtime = [spec for spec, body in locations(text).items() if "http://realtime" in body]
    assert to_realtime == ["~ ^/app/[A-Za-z0-9._-]+$"]
    handshake = locations(text)[to_realtime[0]]
    assert "if ($request_method !~ ^(GET|HEAD)$)" in handshake, "only the handshake passes"
    assert '$request_uri !~ "^/app/' in handshake, "only a canonical path is proxied as is"


@pytest.mark.parametrize("name", ["api", "realtime"])
def test_upstreams_balance_by_least_connections(name: str) -> None:
    body = block(conf_text(), f"upstream {name} ")
    assert re.search(r"^\s*least_conn;", body, re.MULTILINE)
    # Counted over every worker process, not each worker's own connections.
    assert re.search(rf"^\s*zone {name} \d+k;", body, re.MULTILINE)
    assert len(UPSTREAM_SERVER.findall(body)) >= 2, "several servers"


def test_websocket_timeouts_outlast_the_activity_timeout() -> None:
    activity = RealtimeSettings.model_fields["activity_timeout"].default
    assert activity == 120
    body = block(conf_text(), "location ~ ^/app/")
    for directive in ("proxy_read_timeout", "proxy_send_timeout", "send_timeout"):
        m = re.search(rf"^\s*{directive}\s+(\S+);", body, re.MULTILINE)
        assert m, directive
        assert seconds(m.group(1)) >= 2 * activity, directive
    assert "proxy_set_header Upgrade $http_upgrade;" in body
    assert "proxy_set_header Connection $connection_upgrade;" in body


def test_tls_http2_and_redirect() -> None:
    text = conf_text()
    assert re.search(r"listen 443 ssl", text)
    assert re.search(r"^\s*http2 on;", text, re.MULTILINE)
    assert "ssl_certificate /etc/nginx/tls/fullchain.pem;" in text
    assert "ssl_certificate_key /etc/nginx/tls/privkey.pem;" in text
    assert "TLSv1.1" not in text
    assert "return 301 https://$host$request_uri;" in block(text, "listen 80")


def test_limits_compression_and_request_ids() -> None:
    text = conf_text()
    assert re.search(r"client_max_body_size \d+m;", text)
    assert re.search(r"^\s*gzip on;", text, re.MULTILINE)
    gzip_types = re.search(r"gzip_types([^;]+);", text)
    assert gzip_types
    for mime in ("text/css", "application/javascript", "application/json", "image/svg+xml"):
        assert mime in gzip_types.group(1).split()
    proxy = (NGINX_DIR / "snippets" / "proxy-headers.conf").read_text()
    assert "proxy_set_header X-Request-ID $request_id;" in proxy
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in proxy
    assert "proxy_set_header X-Real-IP $remote_addr;" in proxy


# ---------------------------------------------------------------- live


@dataclass
class Stub:
    """A stub upstream that records what reached it and echoes it back as JSON."""

    name: str
    seen: list[dict[str, object]] = field(default_factory=list)
    port: int = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        record: dict[str, object] = {
            "upstream": self.name,
            "method": request.method,
            "path_qs": request.raw_path,
            "headers": dict(request.headers),
        }
        self.seen.append(record)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await ws.send_str(json.dumps(record))
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await ws.send_str(msg.data)
            return ws
        return web.json_response(record)


@dataclass
class Live:
    """nginx running the rendered config in front of the stubs."""

    https: str
    http: str
    stubs: dict[str, Stub]
    ssl: ssl.SSLContext


SPA_INDEX = "<!doctype html><title>Switchboard</title><div id=root></div>"
BIG_JS = "export const x = 1;\n" * 400


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live(
    tmp_path_factory: pytest.TempPathFactory, tls_pair: tuple[Path, Path]
) -> AsyncIterator[Live]:
    workdir = tmp_path_factory.mktemp("nginx-live")
    html = workdir / "html"
    (html / "assets").mkdir(parents=True)
    (html / "index.html").write_text(SPA_INDEX)
    (html / "assets" / "app-3f9a1c.js").write_text(BIG_JS)

    stubs = {name: Stub(name) for name in ("api", "realtime", "s3")}
    runners = []
    for stub in stubs.values():
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", stub.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        stub.port = runner.addresses[0][1]
        runners.append(runner)

    cert, key = tls_pair
    r = Render(
        cert=cert,
        key=key,
        html_root=html,
        http_port=free_port(),
        https_port=free_port(),
        upstream_ports={name: stub.port for name, stub in stubs.items()},
    )
    conf = write_rendered(workdir, r)
    log = workdir / "nginx.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *nginx_cmd(workdir, conf), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        await _wait_listening(r.https_port, proc, log)
        ctx = ssl.create_default_context(cafile=str(cert))
        yield Live(
            https=f"https://127.0.0.1:{r.https_port}",
            http=f"http://127.0.0.1:{r.http_port}",
            stubs=stubs,
            ssl=ctx,
        )
    finally:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        for runner in runners:
            await runner.cleanup()


async def _wait_listening(port: int, proc: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise AssertionError(f"nginx exited: {await asyncio.to_thread(log.read_text)}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError("nginx did not start listening")


async def test_plain_http_redirects_to_https(live: Live) -> None:
    async with httpx.AsyncClient(timeout=5) as c:
        resp = await c.get(f"{live.http}/contacts/7?tab=calls")
    assert resp.status_code == 301
    assert resp.headers["location"] == "https://127.0.0.1/contacts/7?tab=calls"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/apps/switchboard/events", "/apps", "/apps/"])
async def test_publish_api_answers_404_and_never_reaches_realtime(
    live: Live, method: str, path: str
) -> None:
    before = len(live.stubs["realtime"].seen)
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        resp = await c.request(method, path, json={"name": "x", "channels": ["private-t"]})
    assert resp.status_code == 404
    assert len(live.stubs["realtime"].seen) == before


async def test_api_gets_request_id_and_the_real_client_address(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        resp = await c.get(
            "/api/healthz?x=1", headers={"X-Forwarded-For": "6.6.6.6", "X-Request-ID": "forged"}
        )
    assert resp.status_code == 200
    seen = resp.json()
    assert seen["upstream"] == "api"
    assert seen["path_qs"] == "/api/healthz?x=1"
    headers = seen["headers"]
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Real-IP"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "https"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    assert resp.headers["x-request-id"] == headers["X-Request-ID"]


async def test_spa_history_fallback_and_caching(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        route = await c.get("/contacts/42")
        root = await c.get("/")
        asset = await c.get("/assets/app-3f9a1c.js", headers={"Accept-Encoding": "gzip"})
        missing = await c.get("/assets/app-000000.js")
    for resp in (route, root):
        assert resp.status_code == 200
        assert resp.text == SPA_INDEX
        assert resp.headers["cache-control"] == "no-cache"
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-encoding"] == "gzip"
    assert asset.text == BIG_JS
    assert missing.status_code == 404


async def test_security_headers_everywhere(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        responses = [await c.get(p) for p in ("/", "/assets/app-3f9a1c.js", "/api/x", "/nope")]
    for resp in responses:
        h = resp.headers
        assert h["strict-transport-security"].startswith("max-age=63072000")
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "strict-origin-when-cross-origin"
        csp = h["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "connect-src 'self' wss://127.0.0.1" in csp
        assert "frame-ancestors 'none'" in csp
        assert "server" not in h or "/" not in h["server"]  # no version


async def test_api_docs_page_may_run_only_its_own_scripts(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        docs = await c.get("/api/docs")
        other = await c.get("/api/openapi.json")
    csp = docs.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline';" in csp, "its inline start-up script"
    assert "https:" not in csp, "no third-party origin"
    assert "'unsafe-inline'" not in other.headers["content-security-policy"].split("style-src")[0]
    assert "frame-ancestors 'none'" in csp


async def test_bucket_links_reach_s3_unchanged(live: Live) -> None:
    path = "/switchboard/recordings/2025/call-1.mp3?X-Amz-Signature=abc&X-Amz-Expires=300"
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        resp = await c.get(path, headers={"Range": "bytes=100-199", "X-Forwarded-Host": "evil"})
        put = await c.put("/switchboard/recordings/x.mp3", content=b"x")
        part_path = "/switchboard/attachments/ab/abc?uploadId=u1&partNumber=2&X-Amz-Signature=abc"
        part = await c.put(part_path, content=b"part")
    seen = resp.json()
    assert part.json()["path_qs"] == part_path  # a large file's part reaches S3
    assert seen["upstream"] == "s3"
    assert seen["path_qs"] == path
    headers = seen["headers"]
    assert headers["Host"] == live.https.removeprefix("https://")
    assert headers["Range"] == "bytes=100-199"
    assert "X-Forwarded-Host" not in headers
    assert "sandbox" in resp.headers["content-security-policy"]
    assert put.status_code == 403


async def test_websocket_upgrade_through_nginx(live: Live) -> None:
    uri = live.https.replace("https://", "wss://") + "/app/switchboard-key?protocol=7"
    async with ws_connect(uri, ssl=live.ssl) as ws:
        first = json.loads(await ws.recv())
        await ws.send('{"event":"pusher:ping","data":{}}')
        echoed = await ws.recv()
    assert first["upstream"] == "realtime"
    assert first["path_qs"] == "/app/switchboard-key?protocol=7"
    assert re.fullmatch(r"[0-9a-f]{32}", first["headers"]["X-Request-ID"])
    assert echoed == '{"event":"pusher:ping","data":{}}'


async def test_only_the_handshake_reaches_realtime(live: Live) -> None:
    before = len(live.stubs["realtime"].seen)
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=5) as c:
        post = await c.post("/app/switchboard-key", json={})
        nested = await c.get("/app/switchboard-key/../../apps/1/events")
        encoded = await c.get("/app/x%2F..%2F..%2Fapps%2F1%2Fevents")
    assert post.status_code == 403
    assert nested.status_code == 404
    assert encoded.status_code in {400, 404}
    assert len(live.stubs["realtime"].seen) == before


@pytest.mark.parametrize("path", ["/api/v1/contacts", "/app/switchboard?protocol=7"])
async def test_an_upstream_that_is_not_listening_is_503_with_retry_after(
    tmp_path: Path, tls_pair: tuple[Path, Path], path: str
) -> None:
    cert, key = tls_pair
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text(SPA_INDEX)
    closed = free_port()  # nothing listens there: the API (or node) is starting
    r = Render(
        cert=cert,
        key=key,
        html_root=html,
        http_port=free_port(),
        https_port=free_port(),
        upstream_ports={"api": closed, "realtime": closed, "s3": closed},
    )
    conf = write_rendered(tmp_path, r)
    log = tmp_path / "nginx.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *nginx_cmd(tmp_path, conf), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        await _wait_listening(r.https_port, proc, log)
        ctx = ssl.create_default_context(cafile=str(cert))
        headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
        headers["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ=="
        async with httpx.AsyncClient(verify=ctx, timeout=5, http1=True) as c:
            resp = await c.get(f"https://127.0.0.1:{r.https_port}{path}", headers=headers)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "2"
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["status"] == 503
    assert resp.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", PUBLISH_API_PATHS)
async def test_publish_api_is_404_for_every_spelling_of_its_path(
    live: Live, method: str, path: str
) -> None:
    before = len(live.stubs["realtime"].seen)
    port = int(live.https.rsplit(":", 1)[1])
    status = await raw_status("127.0.0.1", port, method, path, tls=live.ssl)
    assert status == 404, path
    assert len(live.stubs["realtime"].seen) == before, f"{path} reached the realtime node"


async def test_sign_in_is_rate_limited_per_address(live: Live) -> None:
    seen_before = len(live.stubs["api"].seen)
    async with httpx.AsyncClient(base_url=live.https, verify=live.ssl, timeout=10) as c:
        answers = await asyncio.gather(
            *(c.post("/api/v1/auth/login", json={"email": "a@b.c"}) for _ in range(40))
        )
        other_api = await c.get("/api/v1/contacts")
    limited = [r for r in answers if r.status_code == 429]
    assert 15 <= len(limited) <= 40 - 20, "a burst of 20 passes, the rest is refused"
    problem = limited[0]
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"] == "urn:switchboard:problem:rate-limited"
    assert problem.headers["retry-after"] == "1"
    assert len(live.stubs["api"].seen) - seen_before == 40 - len(limited) + 1
    assert other_api.status_code == 200, "only sign-in is limited"
    await asyncio.sleep(4.2)  # the zone refills (5 r/s) for the tests after this one


async def test_websockets_per_address_are_capped(live: Live) -> None:
    cap = int(re.findall(r"limit_conn ws_per_address (\d+);", conf_text())[0])
    uri = live.https.replace("https://", "wss://") + "/app/switchboard-key?protocol=7"
    sockets = []
    try:
        for _ in range(cap):
            ws = await ws_connect(uri, ssl=live.ssl)
            await ws.recv()
            sockets.append(ws)
        with pytest.raises(InvalidStatus) as refused:
            await ws_connect(uri, ssl=live.ssl)
        assert refused.value.response.status_code == 429
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))
    async with ws_connect(uri, ssl=live.ssl) as again:  # closed ones free their slots
        assert json.loads(await again.recv())["upstream"] == "realtime"
