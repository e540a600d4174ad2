"""Every SQL statement of telephony: raw events, calls by provider ids, lookups, PBX links."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard_api.db.calls import Call
from switchboard_api.db.number_lists import NumberList, NumberListEntry
from switchboard_api.db.phone_lines import PhoneLine
from switchboard_api.db.telephony import PbxMember, TelephonyEvent
from switchboard_api.db.users import User
from switchboard_api.lifecycle.repository import Row

EVENTS = cast(Table, TelephonyEvent.__table__)
CALLS = cast(Table, Call.__table__)
LINES = cast(Table, PhoneLine.__table__)
USERS = cast(Table, User.__table__)
MEMBERS = cast(Table, PbxMember.__table__)
LISTS = cast(Table, NumberList.__table__)
ENTRIES = cast(Table, NumberListEntry.__table__)


def _row(mapping: Any) -> Row | None:
    return None if mapping is None else dict(mapping)


async def lock_calls(session: AsyncSession, provider: str, keys: Collection[str]) -> None:
    """Serialize, until commit, every fold that touches the same call.

    Events of one call carry its entry id, its command id or both (Mango's summary has no
    command id; a click-to-call exists before its entry is known), so a fold locks one key
    per id it knows (``e:<entry>``, ``c:<command>``), always in sorted order: two folds
    sharing any id wait for each other, and no two can deadlock.
    """
    for key in sorted(set(keys)):
        lock_id = func.hashtextextended(f"sb:telephony:{provider}:{key}", 0)
        await session.execute(select(func.pg_advisory_xact_lock(lock_id)))


async def entries_of_command(session: AsyncSession, provider: str, command_id: str) -> set[str]:
    """Entry ids already linked to a command (through its call or its events)."""
    from_events = select(EVENTS.c.entry_id).where(
        EVENTS.c.provider == provider,
        EVENTS.c.command_id == command_id,
        EVENTS.c.entry_id.is_not(None),
    )
    from_calls = select(CALLS.c.provider_call_id).where(
        CALLS.c.provider == provider,
        CALLS.c.command_id == command_id,
        CALLS.c.provider_call_id.is_not(None),
    )
    rows = await session.execute(from_events.union(from_calls))
    return {str(r[0]) for r in rows.all()}


async def store_event(
    session: AsyncSession,
    *,
    provider: str,
    kind: str,
    dedupe_key: str,
    entry_id: str | None,
    command_id: str | None,
    seq: int | None,
    payload: dict[str, Any],
) -> bool:
    """Store a webhook once; whether it was new (a repeated delivery returns False)."""
    stmt = (
        insert(EVENTS)
        .values(
            provider=provider,
            kind=kind,
            dedupe_key=dedupe_key,
            entry_id=entry_id,
            command_id=command_id,
            seq=seq,
            payload=payload,
        )
        .on_conflict_do_nothing(constraint="uq_telephony_events_dedupe_key")
        .returning(EVENTS.c.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def entry_events(
    session: AsyncSession, provider: str, entry_id: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """``(kind, payload)`` of every stored event of a call group, in arrival order."""
    if entry_id is None:
        return []
    stmt = (
        select(EVENTS.c.kind, EVENTS.c.payload)
        .where(EVENTS.c.provider == provider, EVENTS.c.entry_id == entry_id)
        .order_by(EVENTS.c.id)
    )
    return [(r.kind, r.payload) for r in (await session.execute(stmt)).all()]


async def command_results(
    session: AsyncSession, provider: str, command_ids: Collection[str]
) -> list[tuple[str, dict[str, Any]]]:
    """``(kind, payload)`` of the stored results of these commands."""
    stmt = (
        select(EVENTS.c.kind, EVENTS.c.payload)
        .where(
            EVENTS.c.provider == provider,
            EVENTS.c.kind == "result",
            EVENTS.c.command_id.in_(list(command_ids)),
        )
        .order_by(EVENTS.c.id)
    )
    return [(r.kind, r.payload) for r in (await session.execute(stmt)).all()]


async def call_by(session: AsyncSession, provider: str, **where: str) -> Row | None:
    """The call with this ``provider_call_id``, ``command_id`` or ``recording_id``, locked."""
    ((column, value),) = where.items()
    stmt = (
        select(CALLS)
        .where(CALLS.c.provider == provider, CALLS.c[column] == value)
        .order_by(CALLS.c.created_at)
        .limit(1)
        .with_for_update()
    )
    return _row((await session.execute(stmt)).mappings().one_or_none())


async def user_by_extension(session: AsyncSession, extension: str) -> Row | None:
    """The live employee with this extension."""
    stmt = select(USERS.c.id, USERS.c.full_name).where(
        USERS.c.extension == extension, USERS.c.deleted_at.is_(None)
    )
    return _row((await session.execute(stmt)).mappings().one_or_none())


async def line_by_number(session: AsyncSession, number: str) -> uuid.UUID | None:
    """The live company line with this E.164 number."""
    stmt = select(LINES.c.id).where(LINES.c.number == number, LINES.c.deleted_at.is_(None))
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def lines_by_provider_id(
    session: AsyncSession, provider: str, *, lock: bool = False
) -> dict[int, Row]:
    """Synchronized lines (live or trashed) by the provider's line id, optionally locked
    until commit."""
    stmt = select(LINES).where(LINES.c.provider == provider, LINES.c.provider_line_id.is_not(None))
    if lock:
        stmt = stmt.with_for_update()
    rows = (await session.execute(stmt)).mappings().all()
    return {int(r["provider_line_id"]): dict(r) for r in rows}


async def line_row_by_number(session: AsyncSession, number: str) -> Row | None:
    """A line (live or trashed) with this number, locked."""
    stmt = select(LINES).where(LINES.c.number == number).with_for_update()
    return _row((await session.execute(stmt)).mappings().one_or_none())


# PBX members -----------------------------------------------------------------------------


async def lock_member_sync(session: AsyncSession, user_id: uuid.UUID) -> None:
    """One member sync per employee at a time (until commit)."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"sb:pbx-member:{user_id}", 0)))
    )


async def lock_list_sync(session: AsyncSession, provider: str) -> None:
    """One black/white list sync per provider at a time (until commit)."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"sb:pbx-lists:{provider}", 0)))
    )


async def user_for_sync(session: AsyncSession, user_id: uuid.UUID) -> Row | None:
    """The user's name, email, extension and state (live or trashed)."""
    stmt = select(
        USERS.c.id,
        USERS.c.full_name,
        USERS.c.email,
        USERS.c.extension,
        USERS.c.deleted_at,
    ).where(USERS.c.id == user_id)
    return _row((await session.execute(stmt)).mappings().one_or_none())


async def member_link(session: AsyncSession, user_id: uuid.UUID) -> Row | None:
    """The PBX member linked to an employee."""
    stmt = select(MEMBERS).where(MEMBERS.c.user_id == user_id)
    return _row((await session.execute(stmt)).mappings().one_or_none())


async def save_member_link(session: AsyncSession, values: dict[str, Any]) -> None:
    """Create or replace an employee's member link."""
    stmt = insert(MEMBERS).values(**values, synced_at=func.now())
    stmt = stmt.on_conflict_do_update(
        index_elements=[MEMBERS.c.user_id],
        set_={k: stmt.excluded[k] for k in (*values, "synced_at") if k != "user_id"},
    )
    await session.execute(stmt)


async def drop_member_link(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Forget an employee's member link."""
    await session.execute(delete(MEMBERS).where(MEMBERS.c.user_id == user_id))


async def users_to_sync(session: AsyncSession) -> list[uuid.UUID]:
    """Every employee that has an extension or a member link."""
    linked = select(MEMBERS.c.user_id)
    with_extension = select(USERS.c.id).where(USERS.c.extension.is_not(None))
    rows = await session.execute(linked.union(with_extension))
    return [r[0] for r in rows.all()]


async def call_recording_state(
    session: AsyncSession, provider: str, recording_id: str
) -> Row | None:
    """``id`` and ``recording_status`` of the call carrying this recording (not locked)."""
    stmt = select(CALLS.c.id, CALLS.c.recording_status).where(
        CALLS.c.provider == provider, CALLS.c.recording_id == recording_id
    )
    return _row((await session.execute(stmt)).mappings().first())


async def stored_recording(session: AsyncSession, call_id: uuid.UUID) -> Row | None:
    """``recording_key`` and ``recording_content_type`` of the call, if its recording is
    stored."""
    stmt = select(CALLS.c.recording_key, CALLS.c.recording_content_type).where(
        CALLS.c.id == call_id, CALLS.c.recording_status == "stored"
    )
    return _row((await session.execute(stmt)).mappings().first())


async def pending_recordings(session: AsyncSession) -> list[tuple[str, str]]:
    """``(provider, recording_id)`` of every recording still waiting to be ingested."""
    stmt = select(CALLS.c.provider, CALLS.c.recording_id).where(
        CALLS.c.recording_status == "pending", CALLS.c.recording_id.is_not(None)
    )
    return [(str(p), str(r)) for p, r in (await session.execute(stmt)).all()]


async def recordings_past_retention(
    session: AsyncSession, cutoff: datetime, limit: int
) -> list[Row]:
    """Calls (live or trashed) whose stored recording is of a call before ``cutoff``, oldest
    first, locked; calls another pass holds are skipped."""
    when = func.coalesce(CALLS.c.started_at, CALLS.c.created_at)
    stmt = (
        select(CALLS)
        .where(
            CALLS.c.recording_status == "stored",
            CALLS.c.recording_key.is_not(None),
            when < cutoff,
        )
        .order_by(when, CALLS.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


async def wanted_list_numbers(
    session: AsyncSession, kinds: Iterable[str]
) -> dict[str, dict[str, str | None]]:
    """``{kind: {digits: comment}}`` of every live number list of the given ``kinds``."""
    stmt = (
        select(LISTS.c.kind, ENTRIES.c.number, ENTRIES.c.comment)
        .join(ENTRIES, ENTRIES.c.list_id == LISTS.c.id)
        .where(LISTS.c.deleted_at.is_(None), LISTS.c.kind.in_(list(kinds)))
    )
    wanted: dict[str, dict[str, str | None]] = defaultdict(dict)
    for kind, number, comment in (await session.execute(stmt)).all():
        wanted[kind][number.lstrip("+")] = comment
    return wanted


async def known_list_kinds(session: AsyncSession) -> set[str]:
    """The kinds we have, or had (trashed lists count), a number list of."""
    stmt = select(LISTS.c.kind).distinct()
    return {str(k) for k in (await session.execute(stmt)).scalars().all()}


async def import_list_entry(
    session: AsyncSession, list_id: uuid.UUID, number: str, comment: str | None
) -> None:
    """One number imported from the PBX into a new list (no actor: the system)."""
    await session.execute(insert(ENTRIES).values(list_id=list_id, number=number, comment=comment))
