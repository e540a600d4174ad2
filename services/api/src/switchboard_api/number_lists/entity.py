"""The number_lists entity type."""

from __future__ import annotations

from switchboard_api.db.number_lists import NumberList as NumberListRow
from switchboard_api.lifecycle.registry import EntityType, Filter
from switchboard_api.number_lists.schemas import (
    Kind,
    NumberList,
    NumberListCreate,
    NumberListUpdate,
)
from switchboard_api.telephony.pbx_sync_hooks import number_list_changed

NUMBER_LISTS = EntityType(
    name="number_lists",
    model=NumberListRow,
    read=NumberList,
    create=NumberListCreate,
    update=NumberListUpdate,
    sortable=("created_at", "updated_at", "name"),
    filters=(Filter("kind", Kind, "Only lists of this kind."),),
    on_change=number_list_changed,  # the PBX's black/white lists follow
)
"""Number lists in the generic lifecycle."""
