"""Import point for every model, so Alembic and the app see the whole metadata."""

from __future__ import annotations

from switchboard_api.db.api_tokens import ApiToken
from switchboard_api.db.attachments import Attachment
from switchboard_api.db.base import Base
from switchboard_api.db.call_outcomes import CallOutcome
from switchboard_api.db.calls import Call
from switchboard_api.db.contacts import Contact
from switchboard_api.db.deals import Deal
from switchboard_api.db.erasure import Erasure, PendingObjectDeletion
from switchboard_api.db.events import EntityEvent
from switchboard_api.db.notes import Note
from switchboard_api.db.notifications import Notification, NotificationPreference
from switchboard_api.db.number_lists import NumberList, NumberListEntry
from switchboard_api.db.phone_lines import PhoneLine
from switchboard_api.db.preferences import UserPreference
from switchboard_api.db.tasks import Task
from switchboard_api.db.telephony import PbxMember, TelephonyEvent
from switchboard_api.db.users import User

__all__ = [
    "ApiToken",
    "Attachment",
    "Base",
    "Call",
    "CallOutcome",
    "Contact",
    "Deal",
    "EntityEvent",
    "Erasure",
    "Note",
    "Notification",
    "NotificationPreference",
    "NumberList",
    "NumberListEntry",
    "PbxMember",
    "PendingObjectDeletion",
    "PhoneLine",
    "Task",
    "TelephonyEvent",
    "User",
    "UserPreference",
]
