"""Where one-time recording links point: ``GET /files/{token}`` streams the mp3 once."""

from __future__ import annotations

from aiohttp import web

from switchboard_pbxsim.context import simulator


async def download(request: web.Request) -> web.StreamResponse:
    """Serve the file of a one-time token and spend the token; 404 afterwards."""
    path = simulator(request).recordings.redeem(request.match_info["token"])
    if path is None:
        raise web.HTTPNotFound(text="link expired or already used")
    # FileResponse streams from disk and sets Content-Length; mp3 is served as audio/mpeg.
    return web.FileResponse(path, headers={"Content-Type": "audio/mpeg"})


def add_routes(app: web.Application) -> None:
    """Mount the file server."""
    app.router.add_get("/files/{token}", download)
