"""Preference schemas: the stored preferences and a change to them."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec
from msgspec import UNSET, Meta, UnsetType

Language = Literal["ru", "en"]
Theme = Literal["system", "light", "dark"]
LANGUAGES: tuple[str, ...] = get_args(Language)
THEMES: tuple[str, ...] = get_args(Theme)

PREFERENCES_CHANGED = "preferences.changed"
"""The realtime event changed preferences are sent as, on the employee's personal channel."""


class Preferences(msgspec.Struct, kw_only=True, frozen=True):
    """An employee's interface preferences: ``language`` (``null``: not chosen, the
    browser's language decides), ``theme`` (``system`` follows the device's light or dark
    setting) and ``version``, their ETag."""

    language: Language | None
    theme: Theme
    version: int


DEFAULTS = Preferences(language=None, theme="system", version=1)
"""An employee's preferences until they change one (no row stored)."""


# Plain strings on the way in: a value outside the set is a 422 naming the field (the
# service checks it), while a value of the wrong JSON type stays a 400 like everywhere.
class PreferencesChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The preferences to change (fields left out stay as they are)."""

    language: (
        Annotated[str, Meta(description="`ru` or `en`; `null`: the browser's language.")]
        | UnsetType
        | None
    ) = UNSET
    theme: Annotated[str, Meta(description="`system`, `light` or `dark`.")] | UnsetType = UNSET
