"""The one way every service reads its configuration: a prefixed env-var settings class.

Each service declares one ``pydantic_settings.BaseSettings`` subclass with an
``env_prefix`` (``API_``, ``RT_``, ``PBXSIM_``...) and loads it once with
:func:`load_settings`, which also refuses env vars that carry the prefix but name no
field: a misspelled setting fails the start instead of being silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TypeVar

from pydantic import SecretStr
from pydantic_settings import BaseSettings

SettingsT = TypeVar("SettingsT", bound=BaseSettings)

# Every development default of a secret carries this marker, so production can refuse it.
DEV_ONLY = "dev-only-"


class UnknownSettingError(ValueError):
    """An environment variable carries a service's prefix but names no setting."""


class DevelopmentValueError(ValueError):
    """A production start found secrets that are missing or hold development values."""


def _plain(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return "" if value is None else str(value)


def refuse_development_values(settings: BaseSettings, required: Iterable[str]) -> None:
    """Raise naming every ``required`` setting that is unset (empty or its development
    default) or holds a ``dev-only-`` value; production calls this before anything starts."""
    prefix = str(settings.model_config.get("env_prefix", "")).upper()
    fields = type(settings).model_fields
    problems = []
    for name in required:
        value = _plain(getattr(settings, name)).strip()
        env_name = prefix + name.upper()
        if DEV_ONLY in value:
            problems.append(f"{env_name} has a development value")
        elif not value or value == _plain(fields[name].default).strip():
            problems.append(f"{env_name} is not set")
    if problems:
        raise DevelopmentValueError("production refuses to start: " + "; ".join(problems))


def env_names(settings_cls: type[BaseSettings]) -> set[str]:
    """The environment variable names a settings class reads."""
    prefix = str(settings_cls.model_config.get("env_prefix", "")).upper()
    return {prefix + name.upper() for name in settings_cls.model_fields}


def check_no_unknown(
    settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None
) -> None:
    """Raise when the environment has prefixed variables the class does not know."""
    prefix = str(settings_cls.model_config.get("env_prefix", "")).upper()
    if not prefix:
        return
    known = env_names(settings_cls)
    env = os.environ if environ is None else environ
    unknown = sorted(k for k in env if k.upper().startswith(prefix) and k.upper() not in known)
    if unknown:
        raise UnknownSettingError(f"unknown settings: {', '.join(unknown)}")


def load_settings(settings_cls: type[SettingsT]) -> SettingsT:
    """Load and validate a service's settings from the environment, failing fast."""
    check_no_unknown(settings_cls)
    return settings_cls()
