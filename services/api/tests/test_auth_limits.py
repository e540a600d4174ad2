"""Login rate limits (per account, per client address) and session expiry (sliding, capped),
on servers started with small limits and short lifetimes."""

from __future__ import annotations

import asyncio
import time

import pytest

from switchboard_api.settings import ApiSettings, get_settings

from fixtures.auth import UserFactory, client, random_address, sign_in

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    return settings.model_copy(
        update={
            "login_account_limit": 4,
            "login_address_limit": 3,
            "session_idle_seconds": 3,
            "session_absolute_seconds": 7,
        }
    )


async def test_account_limit_429_with_retry_after(api_url: str, employees: UserFactory) -> None:
    user = await employees.create()
    # Each attempt from another address: only the account limit (4) can trigger.
    for _ in range(4):
        async with client(api_url) as http:
            response = await http.post(LOGIN, json={"email": user.email, "password": "wrong-pw"})
            assert response.status_code == 401
    async with client(api_url) as http:
        # Over the limit even the right password is refused, until the window ends.
        response = await http.post(LOGIN, json={"email": user.email, "password": user.password})
        assert response.status_code == 429
        assert response.headers["content-type"].startswith("application/problem+json")
        retry_after = int(response.headers["retry-after"])
        assert 1 <= retry_after <= get_settings().login_account_window_seconds


async def test_success_clears_the_account_counter(api_url: str, employees: UserFactory) -> None:
    user = await employees.create()
    for _ in range(3):
        async with client(api_url) as http:
            await http.post(LOGIN, json={"email": user.email, "password": "wrong-pw"})
    async with client(api_url) as http:
        await sign_in(http, user)
    for _ in range(3):  # a fresh budget after the successful login
        async with client(api_url) as http:
            response = await http.post(LOGIN, json={"email": user.email, "password": "wrong"})
            assert response.status_code == 401


async def test_address_limit_counts_failures_across_accounts(
    api_url: str, employees: UserFactory
) -> None:
    address = random_address()
    async with client(api_url, address=address) as http:
        for n in range(3):
            response = await http.post(
                LOGIN, json={"email": f"ghost{n}-{address}@example.test", "password": "x"}
            )
            assert response.status_code == 401
        user = await employees.create()
        response = await http.post(LOGIN, json={"email": user.email, "password": user.password})
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1
    async with client(api_url) as other:  # another address is not affected
        await sign_in(other, user)


async def test_successful_logins_do_not_use_up_the_address(
    api_url: str, employees: UserFactory
) -> None:
    address = random_address()
    for _ in range(6):  # twice the address limit, all successful (an office behind one NAT)
        async with client(api_url, address=address) as http:
            await sign_in(http, await employees.create())


async def test_session_expires_when_idle(api_url: str, employees: UserFactory) -> None:
    user = await employees.create()
    async with client(api_url) as http:
        await sign_in(http, user)
        assert (await http.get(ME)).status_code == 200
        await asyncio.sleep(4)  # idle 3 s
        assert (await http.get(ME)).status_code == 401


async def test_session_slides_but_is_capped(api_url: str, employees: UserFactory) -> None:
    # Idle limit 3 s, cap 7 s (api_settings above). The timing follows the clock rather
    # than fixed sleeps, so a slow request under load cannot push one past the cap.
    user = await employees.create()
    async with client(api_url) as http:
        started = time.monotonic()  # the session is created after this...
        await sign_in(http, user)
        signed_in = time.monotonic()  # ...and before this
        last = signed_in
        while True:  # a request every 1.2 s while well inside the cap: the expiry slides
            await asyncio.sleep(1.2)
            if time.monotonic() - started > 5.5:
                break
            assert (await http.get(ME)).status_code == 200
            last = time.monotonic()
        assert last - signed_in > 3  # active past the idle limit, so it did slide
        await asyncio.sleep(signed_in + 7.3 - time.monotonic())  # past the cap...
        assert time.monotonic() - last < 3  # ...yet within the idle limit
        assert (await http.get(ME)).status_code == 401
