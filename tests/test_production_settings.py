"""Production refuses development secrets: API, worker and realtime exit at start naming each.

The processes are started for real (uvicorn with the API factory, the worker command, the
realtime node) with ``API_ENV``/``RT_ENV=production``; they must exit before opening any
connection, with a message naming every setting that is unset or holds a ``dev-only-``
value, and without echoing any secret they were given.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from switchboard_api.settings import PRODUCTION_REQUIRED, ApiSettings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.settings import load_settings

# Real-looking production values; none is a development default.
API_PRODUCTION_ENV = {
    "API_ENV": "production",
    "API_DATABASE_URL": "postgresql+asyncpg://switchboard:Zq81vX@db.internal:5432/switchboard",
    "API_REDIS_URL": "redis://:Hk27pW@redis.internal:6379/0",
    "API_S3_ACCESS_KEY": "AKIAPRODUCTION",
    "API_S3_SECRET_KEY": "s3-Fh3kLm9",
    "API_SECRET_KEY": "sk-Qw8eR4tY",
    "API_REALTIME_SECRET": "rt-Ui2oP6a",
    "API_MANGO_BASE_URL": "https://app.mango-office.ru/vpbx",
    "API_MANGO_API_KEY": "mk-Zx5cV7b",
    "API_MANGO_API_SALT": "ms-Nm1lK3j",
    "API_TELEPHONY_WEBHOOK_SOURCES": "81.88.80.132,81.88.82.36/31",
}
RT_PRODUCTION_ENV = {
    "RT_ENV": "production",
    "RT_REDIS_URL": "redis://:Hk27pW@redis.internal:6379/1",
    "RT_APP_SECRET": "rt-Ui2oP6a",
}
API_COMMANDS = {
    "api": [sys.executable, "-m", "uvicorn", "--factory", "switchboard_api.app:create_app"],
    "worker": [sys.executable, "-m", "switchboard_api", "worker"],
}
RT_COMMAND = [sys.executable, "-m", "switchboard_realtime"]


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any service setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("API_", "RT_", "PBXSIM_"))}
    return env | extra


def _start(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("API_", "RT_")):
            monkeypatch.delenv(name)
    return monkeypatch


def test_a_complete_production_environment_loads(clean_environ: pytest.MonkeyPatch) -> None:
    for name, value in API_PRODUCTION_ENV.items() | RT_PRODUCTION_ENV.items():
        clean_environ.setenv(name, value)
    assert load_settings(ApiSettings).env == "production"
    assert load_settings(RealtimeSettings).env == "production"


@pytest.mark.parametrize("field", PRODUCTION_REQUIRED)
def test_api_refuses_each_missing_or_development_value(
    clean_environ: pytest.MonkeyPatch, field: str
) -> None:
    name = "API_" + field.upper()
    for key, value in API_PRODUCTION_ENV.items():
        clean_environ.setenv(key, value)
    clean_environ.delenv(name)
    default = ApiSettings.model_fields[field].default
    plain = default.get_secret_value() if isinstance(default, SecretStr) else str(default)
    development_default = plain.startswith("dev-only-")
    unset = "has a development value" if development_default else "is not set"
    with pytest.raises(ValueError, match=f"{name} {unset}"):
        load_settings(ApiSettings)
    if field == "telephony_webhook_sources":
        return  # a list of networks: no text value is a valid one
    clean_environ.setenv(name, "dev-only-left-over")
    with pytest.raises(ValueError, match=f"{name} has a development value"):
        load_settings(ApiSettings)


def test_development_defaults_still_start_without_production(
    clean_environ: pytest.MonkeyPatch,
) -> None:
    assert load_settings(ApiSettings).env == "development"
    assert load_settings(RealtimeSettings).env == "development"


@pytest.mark.parametrize("command", sorted(API_COMMANDS))
def test_api_process_exits_naming_every_unset_secret(command: str) -> None:
    done = _start(API_COMMANDS[command], _clean_env(API_ENV="production"))
    assert done.returncode != 0
    for field in PRODUCTION_REQUIRED:
        assert f"API_{field.upper()} " in done.stderr, (field, done.stderr[-2000:])
    assert "API_SECRET_KEY has a development value" in done.stderr
    assert "API_DATABASE_URL is not set" in done.stderr


def test_api_process_exits_naming_each_development_value() -> None:
    env = _clean_env(**API_PRODUCTION_ENV)
    env |= {"API_SECRET_KEY": "dev-only-secret-key-change-me", "API_MANGO_API_SALT": "dev-only-x"}
    done = _start(API_COMMANDS["api"], env)
    assert done.returncode != 0
    assert "API_SECRET_KEY has a development value" in done.stderr
    assert "API_MANGO_API_SALT has a development value" in done.stderr
    assert "API_REDIS_URL" not in done.stderr, "only the bad settings are named"
    for secret in ("Zq81vX", "Hk27pW", "s3-Fh3kLm9", "mk-Zx5cV7b"):
        assert secret not in done.stderr, "a refused start never prints a secret"


def test_realtime_node_exits_naming_its_unset_secrets() -> None:
    done = _start(RT_COMMAND, _clean_env(RT_ENV="production"))
    assert done.returncode != 0
    assert "RT_REDIS_URL is not set" in done.stderr
    assert "RT_APP_SECRET has a development value" in done.stderr


def test_realtime_node_refuses_a_development_app_list() -> None:
    apps = '[{"id": "1", "key": "k", "secret": "dev-only-realtime-secret"}]'
    env = _clean_env(**RT_PRODUCTION_ENV, RT_APPS_JSON=apps)
    done = _start(RT_COMMAND, env)
    assert done.returncode != 0
    assert "RT_APPS_JSON has a development value" in done.stderr
    assert "RT_APP_SECRET" not in done.stderr, "the app list replaces the one app's secret"
