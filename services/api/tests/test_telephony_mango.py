"""The Mango adapter against the PBX simulator (same API, same signing): members, lines,
lists, recording links, click-to-call, and how failures are classified."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.mango import MangoProvider
from switchboard_api.telephony.provider_interface import (
    MemberSpec,
    ProviderRefused,
    ProviderUnavailable,
    RecordingNotReady,
)

from fixtures.telephony import Simulator, random_extension, random_mobile, simulator


@pytest.fixture
async def mango(settings: ApiSettings) -> AsyncIterator[MangoProvider]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield MangoProvider.from_settings(settings, http)


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[Simulator]:
    async with simulator() as s:
        yield s


async def test_members_round_trip(mango: MangoProvider) -> None:
    extension = random_extension()
    member_id = await mango.create_member(MemberSpec("Pavel", extension, "p@example.test"))
    found = {m.provider_user_id: m for m in await mango.members()}
    assert (found[member_id].name, found[member_id].extension) == ("Pavel", extension)
    await mango.update_member(member_id, MemberSpec("Pavel Renamed", extension, None))
    assert {m.provider_user_id: m for m in await mango.members()}[member_id].name == (
        "Pavel Renamed"
    )
    await mango.delete_member(member_id)
    await mango.delete_member(member_id)  # already gone: not an error
    assert member_id not in {m.provider_user_id for m in await mango.members()}


async def test_a_taken_extension_is_refused_with_its_code(mango: MangoProvider) -> None:
    extension = random_extension()
    member_id = await mango.create_member(MemberSpec("First", extension))
    try:
        with pytest.raises(ProviderRefused) as refused:
            await mango.create_member(MemberSpec("Second", extension))
        assert refused.value.code == 3100
        assert not refused.value.retryable
    finally:
        await mango.delete_member(member_id)


async def test_lines_and_lists(mango: MangoProvider) -> None:
    assert {"74951234567", "78005553535"} <= {line.number for line in await mango.lines()}
    digits = random_mobile()
    await mango.add_list_number("white", digits, "partner")
    numbers = await mango.list_numbers()
    added = next(n for n in numbers if n.number == digits)
    assert (added.list_type, added.comment) == ("white", "partner")
    await mango.delete_list_number(added.number_id)
    await mango.delete_list_number(added.number_id)  # already gone: not an error
    assert digits not in {n.number for n in await mango.list_numbers()}


async def test_recording_link_not_ready_then_ready(mango: MangoProvider, sim: Simulator) -> None:
    run = await sim.play(extension=random_extension(), talk_seconds=2, recording_ready_delay=60)
    with pytest.raises(RecordingNotReady) as not_ready:
        await mango.recording_link(run["recording_id"])
    assert not_ready.value.retryable
    with pytest.raises(RecordingNotReady):
        await mango.recording_link("no-such-recording")
    ready = await sim.play(extension=random_extension(), talk_seconds=2, recording_ready_delay=0)
    link = await mango.recording_link(ready["recording_id"])
    assert link.startswith("http://127.0.0.1:")
    assert "/files/" in link
    assert "127.0.0.1" in mango.recording_hosts()


async def test_a_wrong_salt_is_a_refusal_and_a_dead_pbx_is_unavailable(
    settings: ApiSettings,
) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        wrong = MangoProvider.from_settings(
            settings.model_copy(update={"mango_api_salt": SecretStr("not-the-salt")}),
            http,
        )
        with pytest.raises(ProviderRefused) as refused:
            await wrong.lines()
        assert refused.value.code == 3102  # sign mismatch
        dead = MangoProvider.from_settings(
            settings.model_copy(update={"mango_base_url": "http://127.0.0.1:9/vpbx"}), http
        )
        with pytest.raises(ProviderUnavailable) as down:
            await dead.members()
        assert down.value.retryable


async def test_click_to_call_is_accepted(mango: MangoProvider, sim: Simulator) -> None:
    command = f"adapter-{random_extension()}"
    await mango.callback(
        command_id=command, extension="101", to_number=random_mobile(), line_number=None
    )
    runs = await sim.runs_for(command)
    assert len(runs) == 1
