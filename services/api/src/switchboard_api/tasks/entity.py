"""The tasks entity type."""

from __future__ import annotations

import uuid
from datetime import datetime

from switchboard_api.db.tasks import Task as TaskRow
from switchboard_api.lifecycle.registry import EntityType, Filter
from switchboard_api.lifecycle.related import check_related_pair
from switchboard_api.notifications.rules import task_written
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
    sortable=("created_at", "updated_at", "title", "status", "priority", "due_at"),
    filters=(
        Filter("status", Status, "Only tasks in this status."),
        Filter("priority", Priority, "Only tasks of this priority."),
        Filter("assignee_id", uuid.UUID, "Only tasks assigned to this user."),
        Filter("related_type", RelatedType, "Only tasks about this kind of record."),
        Filter("related_id", uuid.UUID, "Only tasks about this record."),
        Filter(
            "due_before",
            datetime,
            "Only tasks due before this time (ISO 8601; without an offset, UTC).",
            column="due_at",
            op="before",
        ),
        Filter(
            "due_after",
            datetime,
            "Only tasks due at or after this time (ISO 8601; without an offset, UTC).",
            column="due_at",
            op="not_before",
        ),
    ),
    prepare=check_related_pair,
    on_written=task_written,  # the assignee is told
)
"""Tasks in the generic lifecycle."""
