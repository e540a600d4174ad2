"""The simulated Mango VPBX API under ``/vpbx/``: signed form posts, Mango's replies and codes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from switchboard_pbxsim.audio import AudioError
from switchboard_pbxsim.context import Simulator, simulator
from switchboard_pbxsim.directory import PbxError
from switchboard_pbxsim.recordings import RecordingUnavailable
from switchboard_shared.mango import (
    BwNumberAdd,
    BwNumberDelete,
    BwNumbersReply,
    BwStateReply,
    CallbackCommand,
    IncomingLinesReply,
    MemberCreate,
    MemberCreated,
    MemberDelete,
    MemberUpdate,
    PayloadError,
    RecordingLinkQuery,
    ResultCode,
    SigningError,
    StatsKey,
    StatsRequest,
    UsersReply,
    UsersRequest,
    decode_payload,
    encode_json,
    parse_form,
    verify,
    verify_form,
)

T = TypeVar("T")
OK = {"result": ResultCode.SUCCESS}
Endpoint = Callable[[Simulator, Any, web.Request], Awaitable[web.StreamResponse]]


def mango_reply(body: Any, status: int = 200) -> web.Response:
    """A JSON reply serialised as Mango does (compact, UTF-8)."""
    return web.Response(
        status=status, text=encode_json(body), content_type="application/json", charset="utf-8"
    )


def mango_error(code: int, message: str) -> web.Response:
    """Mango's error reply: HTTP 420 "Method Failure" and ``{"code": N, "message": ...}``."""
    return web.Response(
        status=420, reason="Method Failure", content_type="application/json",
        text=encode_json({"code": code, "message": message}),
    )  # fmt: skip


def not_ready(error: RecordingUnavailable) -> web.Response:
    """The recording link's 'not found / not ready yet' reply: 404 + ``{"result": 3320}``."""
    return mango_reply({"result": error.code, "message": error.message}, status=404)


def endpoint(type_: type[T]) -> Callable[[Endpoint], Callable[[web.Request], Awaitable[Any]]]:
    """Wrap a handler: POST only, key and signature checked, ``json`` decoded to ``type_``."""

    def wrap(handler: Endpoint) -> Callable[[web.Request], Awaitable[Any]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            if request.method != "POST":
                return mango_error(ResultCode.NOT_POST, "only POST is accepted")
            sim = simulator(request)
            settings = sim.settings
            try:
                fields = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
                raw = verify_form(
                    parse_form(fields), settings.api_key, settings.api_salt.get_secret_value()
                )
                body = decode_payload(raw, type_)
                return await handler(sim, body, request)
            except (SigningError, PayloadError) as exc:
                return mango_error(exc.code, str(exc))
            except RecordingUnavailable as exc:
                return not_ready(exc)
            except PbxError as exc:
                return mango_error(exc.code, exc.message)
            except AudioError as exc:
                return mango_error(ResultCode.SERVER_ERROR, str(exc))

        return handle

    return wrap


@endpoint(CallbackCommand)
async def callback(sim: Simulator, body: CallbackCommand, _r: web.Request) -> web.Response:
    """``commands/callback``: accepted now, played as webhooks, result posted later."""
    sim.player.click_to_call(body)
    return mango_reply(OK)


async def _one_time_redirect(
    sim: Simulator, recording_id: str, request: web.Request
) -> web.Response:
    token = await sim.recordings.issue_link(recording_id)
    base = sim.settings.public_url or str(request.url.origin())
    return web.Response(status=302, headers={"Location": f"{base.rstrip('/')}/files/{token}"})


@endpoint(RecordingLinkQuery)
async def recording_post(
    sim: Simulator, body: RecordingLinkQuery, request: web.Request
) -> web.Response:
    """``queries/recording/post``: 302 to a link that serves the file once."""
    return await _one_time_redirect(sim, body.recording_id, request)


async def recording_link(request: web.Request) -> web.StreamResponse:
    """The signed GET link ``queries/recording/link/{id}/{action}/{key}/{timestamp}/{sign}``."""
    sim, info = simulator(request), request.match_info
    settings = sim.settings
    if info["key"] != settings.api_key:
        return mango_error(ResultCode.WRONG_ACCESS_KEY, "unknown vpbx_api_key")
    signed = f"{info['timestamp']}{info['recording_id']}"
    if not verify(settings.api_key, signed, settings.api_salt.get_secret_value(), info["sign"]):
        return mango_error(ResultCode.SIGN_MISMATCH, "sign does not match")
    if not info["timestamp"].isdigit() or int(info["timestamp"]) < time.time():
        return mango_error(ResultCode.PARAMETER_WRONG_FORMAT, "link expired")
    try:
        return await _one_time_redirect(sim, info["recording_id"], request)
    except RecordingUnavailable as exc:
        return not_ready(exc)
    except AudioError as exc:
        return mango_error(ResultCode.SERVER_ERROR, str(exc))


@endpoint(UsersRequest)
async def users(sim: Simulator, body: UsersRequest, _r: web.Request) -> web.Response:
    """``config/users/request``: all members or the one with ``extension``."""
    members = sim.directory.members.values()
    chosen = [m for m in members if body.extension in (None, m.extension)]
    return mango_reply(UsersReply(users=[m.record() for m in chosen]))


@endpoint(MemberCreate)
async def member_create(sim: Simulator, body: MemberCreate, _r: web.Request) -> web.Response:
    """``member/create``."""
    member = sim.directory.create_member(body)
    return mango_reply(MemberCreated(result=ResultCode.SUCCESS, user_id=member.user_id))


@endpoint(MemberUpdate)
async def member_update(sim: Simulator, body: MemberUpdate, _r: web.Request) -> web.Response:
    """``member/update``."""
    sim.directory.update_member(body)
    return mango_reply(OK)


@endpoint(MemberDelete)
async def member_delete(sim: Simulator, body: MemberDelete, _r: web.Request) -> web.Response:
    """``member/delete``."""
    sim.directory.delete_member(body.user_id)
    return mango_reply(OK)


@endpoint(dict)
async def incoming_lines(sim: Simulator, _b: dict[str, Any], _r: web.Request) -> web.Response:
    """``incominglines``: the company's lines."""
    lines = list(sim.directory.lines.values())
    return mango_reply(IncomingLinesReply(result=ResultCode.SUCCESS, lines=lines))


@endpoint(dict)
async def bw_state(sim: Simulator, _b: dict[str, Any], _r: web.Request) -> web.Response:
    """``bwlists/state/``: which list is in force."""
    data = sim.directory.list_data()
    return mango_reply(BwStateReply(result=ResultCode.SUCCESS, active=data.active))


@endpoint(dict)
async def bw_numbers(sim: Simulator, _b: dict[str, Any], _r: web.Request) -> web.Response:
    """``bwlists/numbers/``: both lists."""
    data = sim.directory.list_data()
    return mango_reply(BwNumbersReply(result=ResultCode.SUCCESS, data=data))


@endpoint(BwNumberAdd)
async def bw_add(sim: Simulator, body: BwNumberAdd, _r: web.Request) -> web.Response:
    """``bwlists/number/add/`` (no ``number_id`` in the reply, as Mango)."""
    sim.directory.add_list_number(body)
    return mango_reply(OK)


@endpoint(BwNumberDelete)
async def bw_delete(sim: Simulator, body: BwNumberDelete, _r: web.Request) -> web.Response:
    """``bwlists/number/delete/``."""
    sim.directory.delete_list_number(body.number_id)
    return mango_reply(OK)


@endpoint(StatsRequest)
async def stats_request(sim: Simulator, body: StatsRequest, _r: web.Request) -> web.Response:
    """``stats/request``: a report of the calls of a period, fetched later by its key."""
    return mango_reply(StatsKey(key=sim.history.request(body)))


@endpoint(StatsKey)
async def stats_result(sim: Simulator, body: StatsKey, _r: web.Request) -> web.Response:
    """``stats/result``: the report as ``;``-separated CSV (404 for an unknown key)."""
    report = sim.history.result(body.key, list(sim.player.runs.values()))
    if report is None:
        return mango_reply({"result": ResultCode.OBJECT_NOT_FOUND}, status=404)
    return web.Response(text=report, content_type="text/csv", charset="utf-8")


ROUTES: dict[str, Callable[[web.Request], Awaitable[Any]]] = {
    "commands/callback": callback,
    "queries/recording/post": recording_post,
    "config/users/request": users,
    "member/create": member_create,
    "member/update": member_update,
    "member/delete": member_delete,
    "incominglines": incoming_lines,
    "bwlists/state": bw_state,
    "bwlists/numbers": bw_numbers,
    "bwlists/number/add": bw_add,
    "bwlists/number/delete": bw_delete,
    "stats/request": stats_request,
    "stats/result": stats_result,
}


async def unsupported(_request: web.Request) -> web.Response:
    """Any other ``/vpbx/`` method: Mango's 'command not supported'."""
    return mango_error(ResultCode.COMMAND_NOT_SUPPORTED, "method not supported by the simulator")


def add_routes(app: web.Application) -> None:
    """Mount the VPBX API (each method with and without the trailing slash Mango shows)."""
    for path, handler in ROUTES.items():
        app.router.add_route("*", f"/vpbx/{path}", handler)
        app.router.add_route("*", f"/vpbx/{path}/", handler)
    app.router.add_get(
        "/vpbx/queries/recording/link/{recording_id}/{action}/{key}/{timestamp}/{sign}",
        recording_link,
    )
    app.router.add_route("*", "/vpbx/{tail:.*}", unsupported)
