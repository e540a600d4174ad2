"""The deals entity type: the stage pipeline, amounts and currencies."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, get_args

from switchboard_api.db.deals import Deal as DealRow
from switchboard_api.deals.schemas import Deal, DealCreate, DealUpdate, Stage
from switchboard_api.lifecycle.registry import EntityType, Filter, WriteContext
from switchboard_api.lifecycle.validation import invalid

# Where a deal may go from each stage: forward along the pipeline, one step back, or lost;
# a lost deal may be reopened, a won one is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"qualified", "lost"}),
    "qualified": frozenset({"new", "proposal", "lost"}),
    "proposal": frozenset({"qualified", "won", "lost"}),
    "won": frozenset(),
    "lost": frozenset({"new"}),
}


def prepare_deal(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """Amount as a Decimal; on update, a stage change must follow the pipeline."""
    if "amount" in values:
        values["amount"] = Decimal(values["amount"])
    current = ctx.current
    if current is not None and "stage" in values and values["stage"] != current["stage"]:
        allowed = TRANSITIONS[current["stage"]]
        if values["stage"] not in allowed:
            options = ", ".join(sorted(allowed)) or "none (won is final)"
            raise invalid(
                "stage",
                f"cannot move from {current['stage']} to {values['stage']}; allowed: {options}",
            )
    return values


def deal_output(values: dict[str, Any]) -> dict[str, Any]:
    """Amounts leave as strings with two decimals (no float rounding on the way)."""
    amount = values.get("amount")
    if isinstance(amount, Decimal):
        values["amount"] = f"{amount:.2f}"
    return values


DEALS = EntityType(
    name="deals",
    model=DealRow,
    read=Deal,
    create=DealCreate,
    update=DealUpdate,
    sortable=("created_at", "updated_at", "title", "amount", "stage"),
    filters=(
        Filter("stage", Stage, "Only deals at this stage."),
        Filter("owner_id", uuid.UUID, "Only deals of this owner."),
        Filter("contact_id", uuid.UUID, "Only deals with this contact."),
    ),
    prepare=prepare_deal,
    to_output=deal_output,
)
"""Deals in the generic lifecycle."""

STAGES = get_args(Stage)
