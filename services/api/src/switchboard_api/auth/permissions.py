"""The permission matrix: role x entity type x action, in one place.

Every route and every realtime channel asks :func:`can` (or :func:`require`); nothing
else in the code decides who may do what.
"""

from __future__ import annotations

from enum import StrEnum

from switchboard_api.auth.principal import Principal
from switchboard_api.errors import Forbidden


class Role(StrEnum):
    """An employee's role."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"


class Action(StrEnum):
    """What can be done to a record."""

    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    TRASH = "trash"
    RESTORE = "restore"
    PURGE = "purge"


ALL = frozenset(Action)
WORK = frozenset({Action.READ, Action.CREATE, Action.UPDATE, Action.TRASH, Action.RESTORE})
READ_ONLY = frozenset({Action.READ})

# Entity types in the matrix; a new type is one more line per role.
MATRIX: dict[Role, dict[str, frozenset[Action]]] = {
    Role.ADMIN: {
        "users": ALL,
        "contacts": ALL,
        "deals": ALL,
        "tasks": ALL,
        "notes": ALL,
        "number_lists": ALL,
        "calls": ALL,
        "phone_lines": ALL,
        "attachments": ALL,
        "call_outcomes": ALL,
    },
    Role.SUPERVISOR: {
        "users": READ_ONLY,
        "contacts": ALL,
        "deals": ALL,
        "tasks": ALL,
        "notes": ALL,
        "number_lists": ALL,
        "calls": ALL,
        "phone_lines": READ_ONLY,
        "attachments": ALL,
        "call_outcomes": READ_ONLY,
    },
    Role.AGENT: {
        "users": READ_ONLY,
        "contacts": WORK,
        "deals": WORK,
        "tasks": WORK,
        "notes": WORK,
        "number_lists": READ_ONLY,
        "calls": WORK,
        "phone_lines": READ_ONLY,
        "attachments": WORK,
        "call_outcomes": READ_ONLY,
    },
}


def can(role: Role | str, entity_type: str, action: Action | str) -> bool:
    """Whether ``role`` may perform ``action`` on records of ``entity_type``."""
    try:
        return Action(action) in MATRIX[Role(role)].get(entity_type, frozenset())
    except ValueError:
        return False


def require(principal: Principal, entity_type: str, action: Action | str) -> None:
    """Raise :class:`Forbidden` unless the principal may perform the action."""
    if not can(principal.role, entity_type, action):
        raise Forbidden(f"role {principal.role} may not {action} {entity_type}")
