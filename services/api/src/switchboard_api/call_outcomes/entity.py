"""The call_outcomes entity type (admins edit it; everyone reads it)."""

from __future__ import annotations

from switchboard_api.call_outcomes.schemas import CallOutcome, CallOutcomeCreate, CallOutcomeUpdate
from switchboard_api.db.call_outcomes import CallOutcome as CallOutcomeRow
from switchboard_api.lifecycle.registry import EntityType

CALL_OUTCOMES = EntityType(
    name="call_outcomes",
    model=CallOutcomeRow,
    read=CallOutcome,
    create=CallOutcomeCreate,
    update=CallOutcomeUpdate,
    sortable=("created_at", "updated_at", "name", "position"),
    default_sort="position",
    prepare_reads_current=False,
)
"""Call outcomes in the generic lifecycle."""
