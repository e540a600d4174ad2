"""Avatar routes, beside the users' lifecycle: start an avatar's upload (then the file's own
``/upload`` and ``/complete``), remove it, and the stable link to one of its squares."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Response, Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_302_FOUND

from switchboard_api.attachments.schemas import StartedAttachment
from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.avatars.rules import AvatarSize
from switchboard_api.avatars.schemas import AvatarCreate
from switchboard_api.avatars.service import avatar_link, remove_avatar, start_avatar
from switchboard_api.lifecycle.http import ETAG_HEADER, LOCATION_HEADER, etag, problems
from switchboard_api.lifecycle.routes import lifecycle_router
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.users.entity import USERS

AVATAR = "/{record_id:uuid}/avatar"


@post(
    AVATAR,
    name="users:avatar-start",
    summary="Start a new avatar for a user",
    description=(
        "Creates a pending file on the user (your own; an admin: anyone's), answered with "
        "its upload form (`upload`). Upload it as any file (then "
        "`/api/v1/attachments/{id}/complete`); the worker crops "
        "it to squares and then makes it the user's avatar (the user changes: "
        "`private-users`), deleting the previous one. 422 names a type other than JPEG, "
        "PNG or WebP or a size over the files' limit; 403 for another user's avatar."
    ),
    status_code=HTTP_201_CREATED,
    opt=entity_route(USERS.name, Action.READ),
    response_headers=[ETAG_HEADER, LOCATION_HEADER],
    responses=problems(404, 409, 413, 422),
)
async def start_user_avatar(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
    data: JSONBody[AvatarCreate],
) -> Response[StartedAttachment]:
    """Start an avatar."""
    saved, started = await start_avatar(resources, uow, principal, record_id, data)
    headers = {"ETag": etag(saved.version), "Location": f"/api/v1/attachments/{saved.id}"}
    return Response(started, status_code=HTTP_201_CREATED, headers=headers)


@delete(
    AVATAR,
    name="users:avatar-remove",
    summary="Remove a user's avatar",
    description=(
        "Deletes the user's avatar for good (your own; an admin: anyone's); the user is "
        "shown by initials again. Removing none is harmless."
    ),
    status_code=HTTP_204_NO_CONTENT,
    opt=entity_route(USERS.name, Action.READ),
    responses=problems(404),
)
async def remove_user_avatar(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    uow: NamedDependency[UnitOfWork],
    record_id: FromPath[uuid.UUID],
) -> None:
    """Remove an avatar."""
    await remove_avatar(resources, uow, principal, record_id)


Size = Annotated[
    AvatarSize, Parameter(description="`small` (64 px, lists) or `large` (256 px, profile).")
]


@get(
    AVATAR + "/{avatar_id:uuid}",
    name="users:avatar",
    summary="A user's avatar",
    description=(
        "302 to a short-lived presigned URL of a square JPEG of the avatar (the user's "
        "`avatar_url`). The redirect may be kept privately for half the link's lifetime: "
        "a new avatar has a new address."
    ),
    status_code=HTTP_302_FOUND,
    opt=entity_route(USERS.name, Action.READ),
    responses=problems(404),
)
async def user_avatar(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    record_id: FromPath[uuid.UUID],
    avatar_id: FromPath[uuid.UUID],
    size: Size = "small",
) -> Redirect:
    """Redirect to the avatar."""
    url = await avatar_link(resources, principal, record_id, avatar_id, size)
    # Kept by the browser (never by a shared cache) while the link still works, so a page
    # showing the avatar many times fetches it once.
    max_age = resources.settings.attachments_url_seconds // 2
    cache = {"Cache-Control": f"private, max-age={max_age}"}
    return Redirect(url, status_code=HTTP_302_FOUND, headers=cache)


def users_router() -> Router:
    """Every users route: the lifecycle and the avatar."""
    return lifecycle_router(USERS, extra=[start_user_avatar, remove_user_avatar, user_avatar])
