"""Finding contacts by a phone number written in any common format."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard_api.auth.permissions import Action, require
from switchboard_api.auth.principal import Principal
from switchboard_api.contacts.entity import CONTACTS
from switchboard_api.contacts.repository import live_contacts_with_phone
from switchboard_api.contacts.schemas import Contact
from switchboard_api.lifecycle.changes import to_read
from switchboard_api.lifecycle.validation import normalize_phone
from switchboard_api.platform.unit_of_work import read_session


class PhoneLookup(msgspec.Struct, kw_only=True):
    """The contacts having a number (the number as E.164)."""

    phone: str
    items: list[Contact]


async def lookup_by_phone(
    sessionmaker: async_sessionmaker[AsyncSession], principal: Principal, phone: str, region: str
) -> PhoneLookup:
    """Normalize ``phone`` (422 naming ``phone`` if it is not one) and find its contacts."""
    require(principal, CONTACTS.name, Action.READ)
    e164 = normalize_phone(phone, "phone", region)
    async with read_session(sessionmaker) as session:
        rows = await live_contacts_with_phone(session, e164)
    items = [to_read(CONTACTS, row) for row in rows]
    return PhoneLookup(phone=e164, items=items)  # type: ignore[arg-type]
