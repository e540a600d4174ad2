"""Login rate limits (per account, per client address) and session expiry (sliding, capped),
on servers started with small limits and short lifetimes."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest

from switchboard_api.auth.ratelimit import client_network
from switchboard_api.settings import ApiSettings, get_settings

from fixtures.auth import UserFactory, client, random_address, sign_in

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


@pytest.fixture(scope="module")
def settings(settings: ApiSettings) -> ApiSettings:
    return settings.model_copy(
        update={
            "login_account_address_limit": 2,
            "login_account_limit": 5,
            "login_address_limit": 3,
            "session_idle_seconds": 3,
            "session_absolute_seconds": 7,
        }
    )


async def test_a_stranger_cannot_lock_the_owner_out(api_url: str, employees: UserFactory) -> None:
    user = await employees.create()
    async with client(api_url) as stranger:
        for _ in range(2):
            response = await stranger.post(LOGIN, json={"email": user.email, "password": "guess"})
            assert response.status_code == 401
        response = await stranger.post(LOGIN, json={"email": user.email, "password": "guess"})
        assert response.status_code == 429  # the stranger's own budget for this account
        assert response.headers["content-type"].startswith("application/problem+json")
        retry_after = int(response.headers["retry-after"])
        assert 1 <= retry_after <= get_settings().login_account_window_seconds
    async with client(api_url) as owner:  # an address without failures: the owner gets in
        await sign_in(owner, user)


async def test_account_cap_429_from_everywhere(api_url: str, employees: UserFactory) -> None:
    user = await employees.create()
    # Each attempt from another address: only the per-account cap (5) can trigger.
    for _ in range(5):
        async with client(api_url) as http:
            response = await http.post(LOGIN, json={"email": user.email, "password": "wrong-pw"})
            assert response.status_code == 401
    async with client(api_url) as http:
        # Over the cap even the right password is refused, until the window ends.
        response = await http.post(LOGIN, json={"email": user.email, "password": user.password})
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) >= 1


async def test_success_clears_the_address_counter(api_url: str, employees: UserFactory) -> None:
    user = await employees.create()
    async with client(api_url) as http:
        await http.post(LOGIN, json={"email": user.email, "password": "wrong-pw"})
        await sign_in(http, user)  # the second attempt of two allowed
        for _ in range(2):  # a fresh budget after the successful login
            response = await http.post(LOGIN, json={"email": user.email, "password": "wrong"})
            assert response.status_code == 401


async def test_ipv6_clients_are_counted_by_their_64(api_url: str, employees: UserFactory) -> None:
    network = f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}"  # a /64 of its own
    for host in range(1, 4):  # three addresses of one /64: one client for the limit
        async with client(api_url, address=f"{network}::{host}") as http:
            ghost = {"email": f"ghost{host}-{network}@example.test", "password": "x"}
            assert (await http.post(LOGIN, json=ghost)).status_code == 401
    user = await employees.create()
    async with client(api_url, address=f"{network}::ffff") as http:
        response = await http.post(LOGIN, json={"email": user.email, "password": user.password})
        assert response.status_code == 429
    next_64 = network[:-1] + ("1" if network[-1] != "1" else "2")
    async with client(api_url, address=f"{next_64}::1") as other:  # another /64
        await sign_in(other, user)


def test_client_network_groups_ipv6_by_64() -> None:
    assert client_network("2001:db8:a:b:1:2:3:4") == "2001:db8:a:b::/64"
    assert client_network("2001:db8:a:b::9") == "2001:db8:a:b::/64"
    assert client_network("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_network("192.0.2.7") == "192.0.2.7"
    assert client_network("unknown") == "unknown"


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
