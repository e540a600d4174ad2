"""The web client's first load and Chromium's Lighthouse scores (issue 20, item 16).

Prints what a browser downloads before the first screen (the entry HTML, its script, its
stylesheet and the chunks it preloads, as nginx serves them, compressed) and the chunk of
each main screen, then Lighthouse's performance and accessibility scores (desktop preset)
for the login page and, signed in, the home page and the contacts list, against the
targets of >= 90 each. Lighthouse runs from the web client's node_modules with the
machine's Chromium (``SB_CHROMIUM``, else /usr/bin/chromium). Run with ``make bench ARGS=web``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from switchboard_api.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "api" / "tests"))
from fixtures.auth import client, sign_in, user_factory

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "web" / "node_modules" / "lighthouse" / "cli" / "index.js"
TARGET = 90
ASSET = re.compile(r'(?:src|href)="(/assets/[^"]+\.(?:js|css))"')


async def first_load(base_url: str) -> tuple[int, int, list[tuple[str, int]]]:
    """Bytes on the wire and decoded for the entry HTML and what it loads at once."""
    async with httpx.AsyncClient(base_url=base_url, headers={"accept-encoding": "gzip"}) as http:
        page = await http.get("/")
        page.raise_for_status()
        wire, decoded = page.num_bytes_downloaded, len(page.content)
        assets: list[tuple[str, int]] = []
        for path in dict.fromkeys(ASSET.findall(page.text)):
            response = await http.get(path)
            response.raise_for_status()
            wire += response.num_bytes_downloaded
            decoded += len(response.content)
            assets.append((path, response.num_bytes_downloaded))
    return wire, decoded, assets


def screen_chunks() -> list[tuple[str, int]]:
    """The built per-screen chunks (loaded when their screen first shows), by size."""
    built = ROOT / "web" / "dist" / "assets"
    pages = built.glob("*Page-*.js")
    return sorted(((p.name, p.stat().st_size) for p in pages), key=lambda item: -item[1])


async def session_cookie(base_url: str) -> str:
    """A signed-in admin's session cookie (``name=value``) for Lighthouse's requests."""
    settings = get_settings()
    async with user_factory(settings) as users:
        admin = await users.create("admin")
        async with client(base_url) as http:
            await sign_in(http, admin)
            value = http.cookies.get(settings.session_cookie_name)
    return f"{settings.session_cookie_name}={value}"


def lighthouse(node: str, url: str, cookie: str | None) -> tuple[int, int] | str:
    """(performance, accessibility) as 0-100, or why Lighthouse could not run."""
    chrome = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        args = [
            node,
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--preset=desktop",
            "--only-categories=performance,accessibility",
            "--output=json",
            f"--output-path={out}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
        ]
        if cookie:
            args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        done = subprocess.run(
            args,
            check=False,
            env={**os.environ, "CHROME_PATH": chrome},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not out.exists():
            said = (done.stderr or done.stdout).strip().splitlines()
            return said[-1] if said else f"exit {done.returncode}"
        report = json.loads(out.read_text())
    categories = report["categories"]
    return (
        round(categories["performance"]["score"] * 100),
        round(categories["accessibility"]["score"] * 100),
    )


def main() -> int:
    """Print the sizes and the scores; exit 1 when a score misses its target."""
    base_url = os.environ["SB_BASE_URL"]
    wire, decoded, assets = asyncio.run(first_load(base_url))
    print(f"first load: {wire / 1000:.1f} kB on the wire ({decoded / 1000:.1f} kB decoded)")
    for path, size in assets:
        print(f"  {path:60} {size / 1000:8.1f} kB")
    print("screen chunks (loaded when first shown, uncompressed):")
    for name, size in screen_chunks():
        print(f"  {name:60} {size / 1000:8.1f} kB")

    node = os.environ.get("SB_NODE")
    if not node or not LIGHTHOUSE.exists():
        print("lighthouse: not run (no node from the launcher, or web/node_modules lacks it)")
        return 1
    cookie = asyncio.run(session_cookie(base_url))
    missed = False
    for path, signed_in in (("/login", False), ("/", True), ("/contacts", True)):
        scores = lighthouse(node, base_url + path, cookie if signed_in else None)
        if isinstance(scores, str):
            print(f"lighthouse {path}: could not run: {scores}")
            missed = True
            continue
        performance, accessibility = scores
        ok = performance >= TARGET and accessibility >= TARGET
        missed = missed or not ok
        print(
            f"lighthouse {path:10} performance {performance:3d}  accessibility "
            f"{accessibility:3d}  (target >= {TARGET}) {'ok' if ok else 'BELOW TARGET'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
