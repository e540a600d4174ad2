""".env.example names exactly the settings that exist, and every setting is documented."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "infra" / "local"))

from env_example import SETTINGS, render  # noqa: E402

from switchboard_shared.settings import env_names  # noqa: E402


def _names_in(text: str) -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_exactly_the_settings() -> None:
    committed = _names_in((ROOT / ".env.example").read_text())
    expected = set().union(*(env_names(cls) for _, cls in SETTINGS))
    assert committed - expected == set(), "in .env.example but not a setting"
    assert expected - committed == set(), "a setting missing from .env.example"


def test_env_example_is_the_rendered_file() -> None:
    assert (ROOT / ".env.example").read_text() == render(), "run `make env-example`"


def test_every_setting_has_a_description() -> None:
    for _, cls in SETTINGS:
        undocumented = [n for n, f in cls.model_fields.items() if not f.description]
        assert undocumented == [], f"{cls.__name__}: {undocumented}"
