"""The tasks entity type."""

from __future__ import annotations

import uuid

from switchboard_api.db.tasks import Task as TaskRow
from switchboard_api.lifecycle.registry import EntityType, Filter
from switchboard_api.lifecycle.related import check_related_pair
from switchboard_api.tasks.schemas import (
    Priority,
    RelatedType,
    Status,
    Task,
    TaskCreate,
    TaskUpdate,
)

TASKS = EntityType(
    name="tasks",
    model=TaskRow,
    read=Task,
    create=TaskCreate,
    update=TaskUpdate,
    sortable=("created_at", "updated_at", "title", "status", "priority"),
    filters=(
        Filter("status", Status, "Only tasks in this status."),
        Filter("priority", Priority, "Only tasks of this priority."),
        Filter("assignee_id", uuid.UUID, "Only tasks assigned to this user."),
        Filter("related_type", RelatedType, "Only tasks about this kind of record."),
        Filter("related_id", uuid.UUID, "Only tasks about this record."),
    ),
    prepare=check_related_pair,
)
"""Tasks in the generic lifecycle."""
