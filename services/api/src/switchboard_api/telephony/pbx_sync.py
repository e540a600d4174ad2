"""Keeping the PBX in step with Switchboard: employees -> members, lines -> ``phone_lines``,
blocked/allowed number lists <-> the provider's black/white lists.

Every function is idempotent and talks to the provider inside a database transaction that
only commits once the provider did its part: a provider outage raises, nothing is marked
done, and the job is retried (and the periodic reconciliation catches anything missed).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.number_lists.entity import NUMBER_LISTS
from switchboard_api.phone_lines.entity import PHONE_LINES
from switchboard_api.platform.resources import Resources
from switchboard_api.platform.unit_of_work import UnitOfWork, unit_of_work
from switchboard_api.telephony import repository as repo
from switchboard_api.telephony.call_folding import e164
from switchboard_api.telephony.provider_interface import (
    ListNumber,
    ListType,
    MemberSpec,
    ProviderRefused,
    TelephonyProvider,
)

log = logging.getLogger("switchboard_api.telephony.pbx_sync")

KIND_OF: dict[ListType, str] = {"black": "blacklist", "white": "whitelist"}
OBJECT_NOT_FOUND = 3300


async def sync_member(resources: Resources, provider: TelephonyProvider, user_id: uuid.UUID) -> str:
    """Create, update or remove the PBX member of one employee; returns what it did."""
    async with unit_of_work(resources) as uow:
        session = uow.session
        await repo.lock_member_sync(session, user_id)
        user = await repo.user_for_sync(session, user_id)
        link = await repo.member_link(session, user_id)
        wanted = None
        if user is not None and user["deleted_at"] is None and user["extension"]:
            wanted = MemberSpec(
                name=user["full_name"], extension=user["extension"], email=user["email"]
            )
        if wanted is None:
            if link is None:
                return "nothing to do"
            await provider.delete_member(link["provider_user_id"])
            await repo.drop_member_link(session, user_id)
            return "removed"
        if link is not None:
            if (link["name"], link["extension"], link["email"]) == (
                wanted.name,
                wanted.extension,
                wanted.email,
            ):
                return "in step"
            try:
                await provider.update_member(link["provider_user_id"], wanted)
                await _save_link(session, provider, user_id, link["provider_user_id"], wanted)
                return "updated"
            except ProviderRefused as exc:
                if exc.code != OBJECT_NOT_FOUND:
                    raise
                log.info("member of %s vanished from the PBX; creating it again", user_id)
        provider_user_id = await _adopt_or_create(provider, wanted)
        await _save_link(session, provider, user_id, provider_user_id, wanted)
        return "created"


async def _adopt_or_create(provider: TelephonyProvider, wanted: MemberSpec) -> int:
    # A member with the extension may exist already (made in the PBX's own UI): adopt it.
    existing = next((m for m in await provider.members() if m.extension == wanted.extension), None)
    if existing is None:
        return await provider.create_member(wanted)
    if (existing.name, existing.email) != (wanted.name, wanted.email):
        await provider.update_member(existing.provider_user_id, wanted)
    return existing.provider_user_id


async def _save_link(
    session: AsyncSession,
    provider: TelephonyProvider,
    user_id: uuid.UUID,
    provider_user_id: int,
    spec: MemberSpec,
) -> None:
    await repo.save_member_link(
        session,
        {
            "user_id": user_id,
            "provider": provider.name,
            "provider_user_id": provider_user_id,
            "extension": spec.extension,
            "name": spec.name,
            "email": spec.email,
        },
    )


async def sync_lines(resources: Resources, provider: TelephonyProvider) -> int:
    """Bring ``phone_lines`` in step with the provider's lines; returns how many changed.

    New lines are inserted, known ones updated; a line the provider no longer has goes to
    the trash (calls that came in on it keep pointing at it), and one that comes back on
    the provider comes back from the trash, unless an employee put it there."""
    lines = await provider.lines()
    region = resources.settings.default_phone_region
    changed = 0
    async with unit_of_work(resources) as uow:
        writer = RecordWriter(PHONE_LINES, uow, record_cache(resources))
        known = await repo.lines_by_provider_id(uow.session, provider.name, lock=True)
        kept: set[Any] = set()  # ids of the rows the provider's lines matched
        for line in lines:
            number = e164(line.number, region)
            if number is None:
                continue
            values: dict[str, Any] = {
                "number": number,
                "provider": provider.name,
                "provider_line_id": line.provider_line_id,
                "region": line.region,
                "schema_name": line.schema_name,
            }
            current = known.get(line.provider_line_id) or await repo.line_row_by_number(
                uow.session, number
            )
            if current is not None:
                kept.add(current["id"])
            if current is None:
                await writer.insert({**values, "name": line.name, "comment": line.comment})
                changed += 1
            elif current["deleted_at"] is not None and current["deleted_by"] is None:
                # trashed by a sync (no employee did it): the line is back on the PBX
                await writer.restore(current, values)
                changed += 1
            elif await writer.update(current, values) is not current:
                changed += 1
        for gone in known.values():  # synchronized before, not on the provider now
            if gone["id"] not in kept and gone["deleted_at"] is None:
                await writer.trash(gone, {})
                changed += 1
    return changed


async def sync_lists(resources: Resources, provider: TelephonyProvider) -> dict[str, int]:
    """Make the provider's black/white lists hold exactly the numbers of our live
    blacklist/whitelist lists. A kind we never had a list of is imported from the PBX
    first (so adopting a PBX with lists loses nothing). Masks we cannot express are left
    alone."""
    stats = {"added": 0, "removed": 0, "imported": 0}
    async with unit_of_work(resources) as uow:
        # Serialized, and the PBX read after the lock: each run sees the previous one's
        # changes on both sides.
        await repo.lock_list_sync(uow.session, provider.name)
        pbx = await provider.list_numbers()
        if pbx is None:
            return {}
        # Trashed lists count: emptying the PBX list after the last list was trashed is
        # the point, not a reason to import it back.
        kinds = await repo.known_list_kinds(uow.session)
        for list_type, kind in KIND_OF.items():
            theirs = [n for n in pbx if n.list_type == list_type]
            if kind not in kinds and theirs:
                stats["imported"] += await _import(resources, uow, list_type, theirs)
        wanted = await repo.wanted_list_numbers(uow.session, KIND_OF.values())
        for list_type, kind in KIND_OF.items():
            on_pbx = {n.number: n for n in pbx if n.list_type == list_type}
            ours = wanted.get(kind, {})
            for digits, comment in ours.items():
                if digits not in on_pbx:
                    await provider.add_list_number(list_type, digits, comment or "")
                    stats["added"] += 1
            for digits, number in on_pbx.items():
                if digits.isdigit() and digits not in ours:
                    await provider.delete_list_number(number.number_id)
                    stats["removed"] += 1
    return stats


async def _import(
    resources: Resources, uow: UnitOfWork, list_type: ListType, numbers: list[ListNumber]
) -> int:
    writer = RecordWriter(NUMBER_LISTS, uow, record_cache(resources))
    kind = KIND_OF[list_type]
    created = await writer.insert(
        {"name": f"PBX {kind}", "kind": kind, "description": "Imported from the PBX."}
    )
    region = resources.settings.default_phone_region
    seen: set[str] = set()
    for number in numbers:
        normalized = e164(number.number, region)
        if normalized is None or normalized in seen:
            continue
        seen.add(normalized)
        await repo.import_list_entry(
            uow.session, created.row["id"], normalized, number.comment or None
        )
    return len(seen)
