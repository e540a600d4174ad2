"""``/api/v1/auth``: login, logout, the current user, personal API tokens."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from redis.exceptions import RedisError

from switchboard_api.auth import seed as _demo_seed  # noqa: F401 - registers the demo users
from switchboard_api.auth import service
from switchboard_api.auth.guards import AUTHENTICATED, entity_route
from switchboard_api.auth.middleware import authenticator
from switchboard_api.auth.origin import require_same_origin
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.auth.schemas import (
    LoginRequest,
    Me,
    PasswordChange,
    Token,
    TokenCreate,
    TokenCreated,
)
from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.errors import Problem, ServiceUnavailable
from switchboard_api.lifecycle.http import problems
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type="application/problem+json"
    )


def _token(row: ApiToken) -> Token:
    return Token(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


class AuthController(Controller):
    """Sessions for the browser, bearer tokens for integrations."""

    path = "/v1/auth"
    tags = ["auth"]

    @post(
        "/login",
        exclude_from_auth=True,
        security=[{}],
        status_code=HTTP_200_OK,
        summary="Sign in with email and password",
        description=(
            "Starts a new session (any session the browser had is ended) and sets it as an "
            "HttpOnly cookie. Send the returned `csrf_token` as `X-CSRF-Token` on writes."
        ),
        responses={
            400: _problem("The body is not valid (the problem names the field)"),
            401: _problem("Wrong email or password"),
            403: _problem("A browser posted it from another site (Origin)"),
            429: _problem("Too many attempts; see Retry-After"),
            503: _problem("The session store is unavailable"),
        },
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        uow: NamedDependency[UnitOfWork],
        resources: NamedDependency[Resources],
    ) -> Response[Me]:
        """Sign in."""
        require_same_origin(request)
        settings = resources.settings
        sessions = authenticator(request.app).sessions
        try:
            result = await service.login(
                uow,
                resources,
                sessions,
                email=data.email,
                password=data.password,
                address=request.client.host if request.client else "unknown",
                previous_session_id=request.cookies.get(settings.session_cookie_name),
            )
        except RedisError as exc:
            raise ServiceUnavailable("the session store is unavailable; try again") from exc
        user = result.user
        me = Me(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,
            extension=user.extension,
            avatar_url=result.avatar_url,
            csrf_token=result.csrf_token,
            preferences=result.preferences,
        )
        cookie = Cookie(
            key=settings.session_cookie_name,
            value=result.session_id,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.session_cookie_secure,
            max_age=settings.session_absolute_seconds,
        )
        return Response(me, cookies=[cookie])

    @post(
        "/logout",
        opt=AUTHENTICATED,
        status_code=HTTP_204_NO_CONTENT,
        summary="End the current session",
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        resources: NamedDependency[Resources],
    ) -> Response[None]:
        """Sign out: the session is ended server-side and the cookie cleared."""
        await service.logout(authenticator(request.app).sessions, principal)
        response: Response[None] = Response(None, status_code=HTTP_204_NO_CONTENT)
        response.delete_cookie(resources.settings.session_cookie_name, path="/")
        return response

    @post(
        "/password",
        opt=AUTHENTICATED,
        status_code=HTTP_204_NO_CONTENT,
        summary="Change my password (ends my other sessions)",
        responses={
            400: _problem("The body is not valid (the problem names the field)"),
            422: _problem("The current password is wrong"),
            429: _problem("Too many attempts; see Retry-After"),
        },
    )
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[PasswordChange],
        principal: NamedDependency[Principal],
        uow: NamedDependency[UnitOfWork],
        resources: NamedDependency[Resources],
    ) -> None:
        """Change the caller's password."""
        await service.change_password(
            uow,
            resources,
            principal,
            current_password=data.current_password,
            new_password=data.new_password,
            address=request.client.host if request.client else "unknown",
        )

    @get(
        "/me",
        opt=AUTHENTICATED,
        summary="The signed-in employee, the CSRF token and my interface preferences",
        description=(
            "Who I am, with my `avatar_url` as the employee directory shows it (`null` "
            "without an avatar), the CSRF token of my session and my interface preferences."
        ),
    )
    async def me(
        self, principal: NamedDependency[Principal], resources: NamedDependency[Resources]
    ) -> Me:
        """Who am I."""
        return await service.who_am_i(resources.sessionmaker, principal)

    @post(
        "/tokens",
        opt=AUTHENTICATED,
        status_code=HTTP_201_CREATED,
        summary="Create a personal API token (the secret is shown once)",
        responses={
            400: _problem("The body is not valid (the problem names the field)"),
            409: _problem("Too many tokens"),
            422: _problem("expires_at is not in the future"),
        },
    )
    async def create_token(
        self,
        data: JSONBody[TokenCreate],
        principal: NamedDependency[Principal],
        uow: NamedDependency[UnitOfWork],
    ) -> TokenCreated:
        """New bearer token acting with the caller's role."""
        row, secret = await service.create_token(
            uow, principal, name=data.name, expires_at=data.expires_at
        )
        return TokenCreated(
            id=row.id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            token=secret,
        )

    @get("/tokens", opt=AUTHENTICATED, summary="The caller's API tokens (without secrets)")
    async def list_tokens(
        self, principal: NamedDependency[Principal], uow: NamedDependency[UnitOfWork]
    ) -> list[Token]:
        """List my tokens."""
        return [_token(row) for row in await service.list_tokens(uow, principal)]

    @delete(
        "/tokens/{token_id:uuid}",
        opt=AUTHENTICATED,
        summary="Revoke an API token",
        responses={404: _problem("No such token")},
    )
    async def revoke_token(
        self,
        token_id: FromPath[uuid.UUID],
        principal: NamedDependency[Principal],
        uow: NamedDependency[UnitOfWork],
        resources: NamedDependency[Resources],
    ) -> None:
        """Revoke; the token stops working immediately."""
        await service.revoke_token(uow, resources, principal, token_id)


class UserTokensController(Controller):
    """Another employee's API tokens, for whoever may edit users (admins): see them, and
    revoke one without throwing the employee out."""

    path = "/v1/users/{record_id:str}/tokens"
    tags = ["users"]

    @get(
        "/",
        opt=entity_route("users", Action.UPDATE),
        summary="An employee's API tokens (without secrets)",
        responses=problems(404),
    )
    async def list_user_tokens(
        self, record_id: FromPath[uuid.UUID], uow: NamedDependency[UnitOfWork]
    ) -> list[Token]:
        """List the employee's live tokens."""
        return [_token(row) for row in await service.list_user_tokens(uow, record_id)]

    @delete(
        "/{token_id:uuid}",
        opt=entity_route("users", Action.UPDATE),
        summary="Revoke an employee's API token",
        responses=problems(404),
    )
    async def revoke_user_token(
        self,
        record_id: FromPath[uuid.UUID],
        token_id: FromPath[uuid.UUID],
        uow: NamedDependency[UnitOfWork],
        resources: NamedDependency[Resources],
    ) -> None:
        """Revoke; the token stops working immediately."""
        await service.revoke_user_token(uow, resources, record_id, token_id)
