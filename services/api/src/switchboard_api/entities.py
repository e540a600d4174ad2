"""Every entity type served by the generic lifecycle, and their routers.

A new type is a model, its schemas, an :class:`EntityType` and one line here (plus a
router line if it has routes beyond the lifecycle). ``calls`` and ``phone_lines`` come
with the telephony issue the same way.
"""

from __future__ import annotations

from litestar import Router

from switchboard_api.attachments.entity import ATTACHMENTS
from switchboard_api.attachments.routes import attachments_router
from switchboard_api.avatars.routes import users_router
from switchboard_api.call_outcomes.entity import CALL_OUTCOMES
from switchboard_api.calls.entity import CALLS
from switchboard_api.calls.routes import calls_router
from switchboard_api.contacts.entity import CONTACTS
from switchboard_api.contacts.routes import contacts_router
from switchboard_api.deals.entity import DEALS
from switchboard_api.deals.routes import deals_router
from switchboard_api.lifecycle.registry import EntityType
from switchboard_api.lifecycle.routes import lifecycle_router
from switchboard_api.notes.entity import NOTES
from switchboard_api.number_lists.entity import NUMBER_LISTS
from switchboard_api.number_lists.routes import number_lists_router
from switchboard_api.phone_lines.entity import PHONE_LINES
from switchboard_api.tasks.entity import TASKS
from switchboard_api.users.entity import USERS

ENTITY_TYPES: dict[str, EntityType] = {
    entity.name: entity
    for entity in (
        USERS,
        CONTACTS,
        DEALS,
        TASKS,
        NOTES,
        NUMBER_LISTS,
        CALLS,
        PHONE_LINES,
        ATTACHMENTS,
        CALL_OUTCOMES,
    )
}
"""The registry: entity type name -> its description."""


def entity_routers() -> list[Router]:
    """The lifecycle routers of every registered type."""
    custom = {
        CONTACTS.name: contacts_router,
        NUMBER_LISTS.name: number_lists_router,
        CALLS.name: calls_router,
        ATTACHMENTS.name: attachments_router,
        DEALS.name: deals_router,
        USERS.name: users_router,
    }
    return [
        custom[name]() if name in custom else lifecycle_router(entity)
        for name, entity in ENTITY_TYPES.items()
    ]
