"""The API and the worker on a Redis Cluster (``API_REDIS_URL=redis+cluster://...``): sessions,
login limits, the record and principal caches and a job enqueued by a request, through nginx
on the stack ``make test`` starts with ``REDIS=cluster`` (its scaled phase does).

The same behaviour on one Redis is what the API's own suite shows; here it is shown to hold
when every key of a script or transaction must share a slot (docs/redis.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import RedisCluster

from switchboard_api.platform.job_queue import JobQueue
from switchboard_api.settings import ApiSettings
from switchboard_shared.redis_urls import cluster_seed_url

from fixtures.auth import Employee, UserFactory, api_token, client, sign_in
from realtime_support.procs import wait_until

pytestmark = [pytest.mark.scaled, pytest.mark.cluster]

ME = "/api/v1/auth/me"


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[RedisCluster]:
    """The stack's Redis Cluster, as the API reaches it."""
    redis = RedisCluster.from_url(cluster_seed_url(os.environ["API_REDIS_URL"]))
    yield redis
    await redis.aclose()


@pytest.fixture(scope="module")
async def admin_token(base_url: str, users: UserFactory) -> str:
    async with client(base_url) as http:
        return await api_token(http, await users.create("admin"))


async def keys(cluster: RedisCluster, pattern: str) -> list[str]:
    """Every key matching ``pattern`` on every master."""
    return [key.decode() async for key in cluster.scan_iter(match=pattern)]


async def patch_user(
    base_url: str, admin_token: str, user: Employee, request_id: str = "", **changes: Any
) -> None:
    headers = {"authorization": f"Bearer {admin_token}"}
    async with client(base_url) as http:
        current = await http.get(f"/api/v1/users/{user.id}", headers=headers)
        version = {"if-match": f'"{current.json()["version"]}"'}
        ids = {"x-request-id": request_id} if request_id else {}
        response = await http.patch(
            f"/api/v1/users/{user.id}", json=changes, headers={**headers, **version, **ids}
        )
    assert response.status_code == 200, response.text


async def test_sessions_share_their_users_slot_and_end_on_the_cluster(
    base_url: str, users: UserFactory, admin_token: str, cluster: RedisCluster
) -> None:
    agent = await users.create("agent")
    async with client(base_url) as first, client(base_url) as second:
        await sign_in(first, agent)
        await sign_in(second, agent)
        assert (await first.get(ME)).status_code == 200
        assert (await second.get(ME)).status_code == 200
        sessions = await keys(cluster, f"auth:session:{{{agent.id}}}:*")
        assert len(sessions) == 2
        index = f"auth:user-sessions:{{{agent.id}}}"
        assert {cluster.keyslot(key) for key in sessions} == {cluster.keyslot(index)}
        assert await cluster.scard(index) == 2

        csrf = (await first.get(ME)).json()["csrf_token"]
        assert (await first.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf})).is_success
        assert (await first.get(ME)).status_code == 401
        assert (await second.get(ME)).status_code == 200  # only that session ended

        # Disabling ends every session in one transaction and tells the open page why.
        await patch_user(base_url, admin_token, agent, is_active=False)
        ended = await second.get(ME)
        assert ended.status_code == 401
        assert ended.json()["type"] == "urn:switchboard:problem:account-disabled"
    assert await keys(cluster, f"auth:session:{{{agent.id}}}:*") == []


async def test_login_limits_count_on_the_cluster(
    base_url: str, users: UserFactory, api_settings: ApiSettings, cluster: RedisCluster
) -> None:
    agent = await users.create("agent")
    wrong = {"email": agent.email, "password": "not-the-password"}
    async with client(base_url) as guesser:
        for _ in range(api_settings.login_account_address_limit):
            assert (await guesser.post("/api/v1/auth/login", json=wrong)).status_code == 401
        refused = await guesser.post("/api/v1/auth/login", json=wrong)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
    # The account's two counters share its tag (so one script counts both).
    account = hashlib.sha256(agent.email.casefold().encode()).hexdigest()
    pair, counter = (
        await keys(cluster, f"auth:login:account-address:{{{account}}}:*"),
        await keys(cluster, f"auth:login:account:{{{account}}}"),
    )
    assert len(pair) == len(counter) == 1
    assert cluster.keyslot(pair[0]) == cluster.keyslot(counter[0])
    async with client(base_url) as owner:  # the owner, from elsewhere, still gets in
        await sign_in(owner, agent)
        assert (await owner.get(ME)).status_code == 200


async def test_cached_reads_and_writes_on_the_cluster(
    base_url: str, users: UserFactory, cluster: RedisCluster
) -> None:
    supervisor = await users.create("supervisor")
    async with client(base_url) as bearer:
        token = await api_token(bearer, supervisor)
        created = await bearer.post(
            "/api/v1/contacts",
            json={"name": "Cluster Cache"},
            headers={"authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        contact = created.json()
    async with client(base_url) as browser:
        csrf = await sign_in(browser, supervisor)
        path = f"/api/v1/contacts/{contact['id']}"
        # The first read fills the cache; the second is answered from it (the session check
        # and the record's entry are read side by side, their keys in different slots).
        first, second = await browser.get(path), await browser.get(path)
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert first.json()["name"] == "Cluster Cache"
        entry = await cluster.hgetall(f"sb:rec:contacts:{contact['id']}")
        assert entry[b"v"] == str(contact["version"]).encode()
        assert entry[b"d"]

        changed = await browser.patch(
            path,
            json={"name": "Cluster Cache Renamed"},
            headers={"x-csrf-token": csrf, "if-match": first.headers["etag"]},
        )
        assert changed.status_code == 200, changed.text
        read = await browser.get(path)
        assert read.json()["name"] == "Cluster Cache Renamed"
        assert read.headers["etag"] == changed.headers["etag"]
    # The bearer requests cached the token and its user, each beside its generation.
    assert await keys(cluster, f"auth:user:{{{supervisor.id}}}")
    assert await keys(cluster, "auth:token:{*}")


async def test_a_job_enqueued_by_a_request_runs_on_the_worker(
    base_url: str,
    users: UserFactory,
    admin_token: str,
    api_settings: ApiSettings,
    cluster: RedisCluster,
) -> None:
    agent = await users.create("agent")
    request_id = "test-" + secrets.token_hex(8)
    await patch_user(base_url, admin_token, agent, request_id, full_name="Cluster Job")
    queue = JobQueue(cluster, api_settings.worker_queue)
    assert queue.name == "{" + api_settings.worker_queue + "}"  # the queue's keys: one slot
    pattern = f"saq:job:{queue.name}:{queue.name}pbx-member:{agent.id}:*"

    async def completed() -> bool:
        found = await keys(cluster, pattern)
        if not found:
            return False
        stored = json.loads(await cluster.get(found[0]) or "{}")
        return bool(stored.get("status") == "complete")

    await wait_until(completed, 60, "the worker to run the PBX member sync", step=0.25)
    (job_id,) = await keys(cluster, pattern)
    job = await queue.job(queue.job_key_from_id(job_id))
    assert job is not None
    assert job.function == "telephony_sync_member"
    assert job.meta["request_id"] == request_id  # the request that enqueued it
    assert job.kwargs == {"user_id": str(agent.id)}
