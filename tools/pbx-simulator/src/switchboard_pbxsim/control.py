"""The control API tests and the demo use to script calls and shape the PBX (``/control/``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgspec
from aiohttp import web

from switchboard_pbxsim.calls import CallRun
from switchboard_pbxsim.context import simulator
from switchboard_pbxsim.directory import PbxError
from switchboard_pbxsim.script import CallScript

MAX_WAIT_SECONDS = 600.0


class LineBody(msgspec.Struct, forbid_unknown_fields=True):
    """Body of ``POST /control/lines``."""

    number: str
    name: str | None = None


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response(
        {"title": "Bad request", "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


async def _decode(request: web.Request, type_: type[Any]) -> Any:
    try:
        return msgspec.json.decode(await request.read() or b"{}", type=type_)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise web.HTTPBadRequest(
            text=msgspec.json.encode({"title": "Bad request", "detail": str(exc)}).decode(),
            content_type="application/problem+json",
        ) from exc


async def _maybe_wait(request: web.Request, run: CallRun) -> None:
    if request.query.get("wait", "").lower() not in ("1", "true", "yes"):
        return
    try:
        timeout = min(float(request.query.get("timeout", MAX_WAIT_SECONDS)), MAX_WAIT_SECONDS)
    except ValueError:
        raise web.HTTPBadRequest(text="timeout must be a number of seconds") from None
    # On timeout the caller sees "status": "running" and may ask again.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run.done.wait(), timeout)


async def start_call(request: web.Request) -> web.Response:
    """``POST /control/calls[?wait=true]``: play a scripted call; returns its ids."""
    script: CallScript = await _decode(request, CallScript)
    sim = simulator(request)
    if script.line_number is None and sim.directory.first_line() is None:
        return _problem(400, "the PBX has no line: add one or give line_number")
    run = sim.player.start(script)
    await _maybe_wait(request, run)
    return web.json_response(run.summary(), status=201)


async def get_call(request: web.Request) -> web.Response:
    """``GET /control/calls/{id}[?wait=true]``: a run and its deliveries."""
    run = simulator(request).player.runs.get(request.match_info["id"])
    if run is None:
        raise web.HTTPNotFound(text="no such call run")
    await _maybe_wait(request, run)
    return web.json_response(run.summary())


async def list_calls(request: web.Request) -> web.Response:
    """``GET /control/calls[?command_id=...]``: every run, optionally for one command."""
    command_id = request.query.get("command_id")
    runs = simulator(request).player.runs.values()
    chosen = [r for r in runs if command_id in (None, r.script.command_id)]
    return web.json_response({"calls": [r.summary() for r in chosen]})


async def add_line(request: web.Request) -> web.Response:
    """``POST /control/lines``: give the PBX another company line."""
    body: LineBody = await _decode(request, LineBody)
    line = simulator(request).directory.add_line(body.number, body.name)
    return web.json_response(msgspec.to_builtins(line), status=201)


async def remove_line(request: web.Request) -> web.Response:
    """``DELETE /control/lines/{id}``: take a company line away from the PBX."""
    try:
        line_id = int(request.match_info["id"])
        simulator(request).directory.remove_line(line_id)
    except (ValueError, PbxError) as exc:
        raise web.HTTPNotFound(text=str(exc)) from exc
    return web.Response(status=204)


async def state(request: web.Request) -> web.Response:
    """``GET /control/state``: members, lines and lists as the PBX holds them now."""
    directory = simulator(request).directory
    return web.json_response(
        msgspec.to_builtins(
            {
                "users": [m.record() for m in directory.members.values()],
                "lines": list(directory.lines.values()),
                "lists": directory.list_data(),
            }
        )
    )


async def reset(request: web.Request) -> web.Response:
    """``POST /control/reset``: back to the seeded members and lines, no lists, no runs."""
    sim = simulator(request)
    sim.directory.reset()
    sim.player.runs.clear()
    return web.json_response({"status": "reset"})


def add_routes(app: web.Application) -> None:
    """Mount the control API."""
    app.router.add_post("/control/calls", start_call)
    app.router.add_get("/control/calls", list_calls)
    app.router.add_get("/control/calls/{id}", get_call)
    app.router.add_post("/control/lines", add_line)
    app.router.add_delete("/control/lines/{id}", remove_line)
    app.router.add_get("/control/state", state)
    app.router.add_post("/control/reset", reset)
