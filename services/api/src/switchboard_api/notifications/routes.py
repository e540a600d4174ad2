"""``/api/v1/notifications``: the caller's notification center (list, unread count, mark
read, preferences). Every employee reaches only their own."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Router, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK

from switchboard_api.auth.guards import AUTHENTICATED
from switchboard_api.auth.principal import Principal
from switchboard_api.lifecycle.http import LIST_LIMIT_MAX, MAX_BODY_BYTES, problems
from switchboard_api.notifications.center import NotificationCenter, NotificationReader
from switchboard_api.notifications.schemas import (
    MarkedRead,
    NotificationPage,
    NotificationPreferences,
    UnreadCount,
)
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork

Limit = Annotated[int, Parameter(ge=1, le=LIST_LIMIT_MAX, description="Page size.")]
Cursor = Annotated[
    str | None, Parameter(max_length=512, description="`next_cursor` of the previous page.")
]


@get(
    "/",
    name="notifications:list",
    summary="My notifications, newest first",
    opt=AUTHENTICATED,
    responses=problems(),
)
async def list_notifications(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    limit: Limit = 50,
    cursor: Cursor = None,
    unread_only: Annotated[bool, Parameter(description="Only unread ones.")] = False,
) -> NotificationPage:
    """A page of the caller's notifications."""
    reader = NotificationReader(resources.sessionmaker, principal)
    return await reader.page(cursor, limit, unread_only=unread_only)


@get(
    "/unread-count",
    name="notifications:unread_count",
    summary="How many of my notifications are unread",
    opt=AUTHENTICATED,
    responses=problems(),
)
async def unread_count(
    principal: NamedDependency[Principal], resources: NamedDependency[Resources]
) -> UnreadCount:
    """The caller's unread count (the bell's number)."""
    return await NotificationReader(resources.sessionmaker, principal).unread()


@post(
    "/{notification_id:str}/read",
    name="notifications:mark_read",
    summary="Mark one notification read",
    status_code=HTTP_200_OK,
    opt=AUTHENTICATED,
    responses=problems(404),
)
async def mark_read(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    notification_id: FromPath[uuid.UUID],
) -> MarkedRead:
    """Mark one of the caller's notifications read (already read: nothing changes)."""
    return await NotificationCenter(uow, principal).mark_read(notification_id)


@post(
    "/read-all",
    name="notifications:mark_all_read",
    summary="Mark all my notifications read",
    status_code=HTTP_200_OK,
    opt=AUTHENTICATED,
    responses=problems(),
)
async def mark_all_read(
    principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
) -> MarkedRead:
    """Mark every unread notification of the caller read."""
    return await NotificationCenter(uow, principal).mark_read(None)


@get(
    "/preferences",
    name="notifications:preferences",
    summary="Kinds of notification I switched off",
    opt=AUTHENTICATED,
    responses=problems(),
)
async def get_preferences(
    principal: NamedDependency[Principal], resources: NamedDependency[Resources]
) -> NotificationPreferences:
    """The kinds the caller does not get."""
    return await NotificationReader(resources.sessionmaker, principal).preferences()


@put(
    "/preferences",
    name="notifications:set_preferences",
    summary="Switch kinds of notification off (or on again)",
    opt=AUTHENTICATED,
    responses=problems(422),
)
async def set_preferences(
    principal: NamedDependency[Principal],
    uow: NamedDependency[UnitOfWork],
    data: JSONBody[NotificationPreferences],
) -> NotificationPreferences:
    """Replace the kinds the caller does not get."""
    return await NotificationCenter(uow, principal).set_preferences(data)


def notifications_router() -> Router:
    """Every notifications route."""
    return Router(
        path="/v1/notifications",
        route_handlers=[
            list_notifications,
            unread_count,
            mark_read,
            mark_all_read,
            get_preferences,
            set_preferences,
        ],
        tags=["notifications"],
        request_max_body_size=MAX_BODY_BYTES,
    )
