"""Interface preferences (language, theme): per employee on the server, on the employee's
own representation at sign-in, changed with If-Match, bad values refused naming the field,
and only ever one's own."""

from __future__ import annotations

from typing import Any

import httpx

from fixtures.auth import Employee, client, sign_in
from fixtures.lifecycle import Actor

PREFERENCES = "/api/v1/auth/me/preferences"
DEFAULTS = {"language": None, "theme": "system", "version": 1}


async def _change(who: Actor, body: Any, if_match: str | None) -> httpx.Response:
    headers = {} if if_match is None else {"if-match": if_match}
    return await who.http.patch(PREFERENCES, json=body, headers=headers)


async def _signed_in_elsewhere(api_url: str, user: Employee) -> dict[str, Any]:
    """What a new browser of ``user`` is told at sign-in."""
    async with client(api_url) as browser:
        await sign_in(browser, user)
        me = (await browser.get("/api/v1/auth/me")).json()
    preferences: dict[str, Any] = me["preferences"]
    return preferences


async def test_changed_preferences_are_kept_and_given_at_sign_in(
    api_url: str, agent: Actor, supervisor: Actor
) -> None:
    assert (await agent.http.get("/api/v1/auth/me")).json()["preferences"] == DEFAULTS
    got = await agent.http.get(PREFERENCES)
    assert (got.json(), got.headers["etag"]) == (DEFAULTS, '"1"')

    assert (await _change(agent, {"theme": "dark"}, None)).status_code == 428
    changed = await _change(agent, {"theme": "dark", "language": "en"}, '"1"')
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"language": "en", "theme": "dark", "version": 2}
    assert changed.headers["etag"] == '"2"'
    # Another tab still holding version 1 does not overwrite it.
    stale = await _change(agent, {"theme": "light"}, '"1"')
    assert (stale.status_code, stale.headers["etag"]) == (412, '"2"')
    # The same values again change nothing, not even the version.
    same = await _change(agent, {"theme": "dark"}, '"2"')
    assert same.json()["version"] == 2

    # Persisted, and any new browser of the employee gets them at sign-in (login and /me).
    async with client(api_url) as browser:
        login = await browser.post(
            "/api/v1/auth/login",
            json={"email": agent.user.email, "password": agent.user.password},
        )
        assert login.json()["preferences"] == changed.json()
    assert await _signed_in_elsewhere(api_url, agent.user) == changed.json()
    # Only one's own: the supervisor's are untouched, and theirs do not touch the agent's.
    assert (await supervisor.http.get(PREFERENCES)).json() == DEFAULTS
    theirs = await _change(supervisor, {"language": "ru"}, '"1"')
    assert theirs.json() == {"language": "ru", "theme": "system", "version": 2}
    assert (await agent.http.get(PREFERENCES)).json() == changed.json()

    # Back to the browser's language.
    reset = await _change(agent, {"language": None}, '"2"')
    assert reset.json() == {"language": None, "theme": "dark", "version": 3}


async def test_bad_values_are_refused_naming_the_field(admin: Actor) -> None:
    cases: list[tuple[Any, int, str]] = [
        ({"theme": "purple"}, 422, "theme"),
        ({"language": "fr"}, 422, "language"),
        ({"theme": ""}, 422, "theme"),
        ({"theme": 5}, 400, "theme"),
        ({"language": ["en"]}, 400, "language"),
        ({"user_id": str(admin.user.id), "theme": "dark"}, 400, "user_id"),
    ]
    for body, status, field in cases:
        refused = await _change(admin, body, '"1"')
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.text
    malformed = await admin.http.patch(
        PREFERENCES,
        content=b'{"theme":',
        headers={"if-match": '"1"', "content-type": "application/json"},
    )
    assert malformed.status_code == 400
    assert (await admin.http.get(PREFERENCES)).json() == DEFAULTS
