"""The generated ``search_text`` column every searchable table carries (trigram-indexed)."""

from __future__ import annotations

from sqlalchemy import Computed, Text
from sqlalchemy.orm import Mapped, mapped_column

# An IMMUTABLE wrapper of array_to_string (created by migration 0003), so arrays can feed a
# generated column; array_to_string itself is only STABLE.
JOIN_FUNCTION = "sb_search_join"


def search_text_column(expression: str) -> Mapped[str]:
    """A stored generated column holding the lower-cased text that search matches."""
    return mapped_column(Text, Computed(f"lower({expression})", persisted=True), nullable=False)
