"""The web client's build and test steps, driven through its npm scripts.

Contract with ``web/package.json``: ``npm ci``, ``npm run build`` (-> web/dist),
``npm run test:unit`` and ``npm run test:e2e`` (against SB_BASE_URL), ``npm run lint``,
``format:check`` and ``typecheck`` (``make lint``), ``gen:api`` and ``check:api`` (the
TypeScript types generated from the API's OpenAPI document, see web_contract.py), and
``screenshots`` (the README's screenshots, ``make screenshots``; never part of the tests).

``python infra/local/web.py lint`` is ``make lint``'s step for the client.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from profiles import ROOT
from toolchain import program

WEB = ROOT / "web"
SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts")


def has_client() -> bool:
    """Whether the React client exists yet (otherwise nginx serves the placeholder)."""
    return (WEB / "package.json").exists()


def scripts() -> dict[str, str]:
    """The npm scripts the client declares."""
    data = json.loads((WEB / "package.json").read_text())
    found = data.get("scripts", {})
    return dict(found) if isinstance(found, dict) else {}


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for sub in path.rglob("*"):
                if sub.is_file():
                    newest = max(newest, sub.stat().st_mtime)
    return newest


def _npm_binary() -> str:
    return program("npm")


def _npm(args: list[str]) -> None:
    subprocess.run([_npm_binary(), *args], cwd=WEB, check=True)


def ensure_built(*, strict: bool = True) -> None:
    """Install the client's dependencies and build it when its sources changed.

    With ``strict=False`` (a chosen subset of the Python tests) a failed build is reported
    and the last good build, or the placeholder, is served instead.
    """
    if not has_client():
        return
    try:
        _install_and_build()
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        if strict:
            raise
        print(f"warning: the web client did not build ({exc}); serving the last build", flush=True)


def ensure_installed() -> None:
    """``npm ci`` when node_modules is missing or older than the lock file."""
    stamp = WEB / "node_modules" / ".package-lock.json"
    lock = WEB / "package-lock.json"
    if not stamp.exists() or (lock.exists() and lock.stat().st_mtime > stamp.stat().st_mtime):
        print("installing the web client's npm dependencies", flush=True)
        _npm(["ci", "--no-audit", "--no-fund"])


def run_script(name: str) -> subprocess.CompletedProcess[str]:
    """Run one of the client's npm scripts (dependencies installed first); output captured."""
    ensure_installed()
    return subprocess.run(
        [_npm_binary(), "run", "--silent", name],
        cwd=WEB,
        capture_output=True,
        text=True,
        check=False,
    )


def lint() -> int:
    """ESLint, Prettier's check, the TypeScript compiler and the generated types' freshness."""
    if not has_client():
        return 0
    ensure_installed()
    for script in ("lint", "format:check", "typecheck", "check:api"):
        print(f"=== web: npm run {script} ===", flush=True)
        code = subprocess.call([_npm_binary(), "run", "--silent", script], cwd=WEB)
        if code != 0:
            return code
    return 0


def _install_and_build() -> None:
    ensure_installed()
    built = WEB / "dist" / "index.html"
    sources = [WEB / s for s in SOURCES]
    if not built.exists() or _newest_mtime(sources) > built.stat().st_mtime:
        print("building the web client", flush=True)
        _npm(["run", "build"])


def run_tests(
    env: Mapping[str, str], out: IO[str] | None = None, e2e_args: Sequence[str] = ()
) -> int:
    """Run the client's unit and end-to-end tests; the first failure's exit code (their
    output goes to ``out``, else to this process's own).

    ``e2e_args`` (spec files, ``-g pattern``) narrow the end-to-end run to those specs."""
    if not has_client():
        return 0
    available = scripts()
    for script in ("test:unit", "test:e2e"):
        if script not in available:
            continue
        print(f"\n=== web: npm run {script} ===", file=out or sys.stdout, flush=True)
        extra = ["--", *e2e_args] if script == "test:e2e" and e2e_args else []
        code = subprocess.call(
            [_npm_binary(), "run", script, *extra],
            cwd=WEB,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
        )
        if code != 0:
            return code
    return 0


def run_screenshots(env: Mapping[str, str]) -> int:
    """Take the README's screenshots against the stack ``env`` names (SB_BASE_URL)."""
    ensure_installed()
    print("\n=== web: npm run screenshots ===", flush=True)
    return subprocess.call([_npm_binary(), "run", "screenshots"], cwd=WEB, env=dict(env))


if __name__ == "__main__":
    if sys.argv[1:] != ["lint"]:
        sys.exit("usage: web.py lint")
    try:
        sys.exit(lint())
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        sys.exit(f"error: {exc}")
