"""Pusher apps this cluster serves: id, key and secret, looked up by key (WS) or id (HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import msgspec

from switchboard_realtime.settings import RealtimeSettings


@dataclass(frozen=True, slots=True)
class App:
    """One Pusher app: clients connect with its key, servers sign with its secret."""

    id: str
    key: str
    secret: str


class _AppConfig(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    key: str
    secret: str


class AppRegistry:
    """The apps of this cluster, indexed both ways."""

    def __init__(self, apps: list[App]) -> None:
        if not apps:
            raise ValueError("at least one app is required")
        self._by_key = {app.key: app for app in apps}
        self._by_id = {app.id: app for app in apps}
        if len(self._by_key) != len(apps) or len(self._by_id) != len(apps):
            raise ValueError("app ids and keys must be unique")

    @classmethod
    def from_settings(cls, settings: RealtimeSettings) -> AppRegistry:
        """One app from ``app_id/app_key/app_secret``, or the list in ``apps_json``."""
        raw = settings.apps_json.get_secret_value().encode() if settings.apps_json else b""
        if raw.strip():  # an empty value (as in .env.example) means "not set"
            configs = msgspec.json.decode(raw, type=list[_AppConfig])
            return cls([App(c.id, c.key, c.secret) for c in configs])
        secret = settings.app_secret.get_secret_value()
        return cls([App(settings.app_id, settings.app_key, secret)])

    def by_key(self, key: str) -> App | None:
        """The app clients reach with this key, if any."""
        return self._by_key.get(key)

    def by_id(self, app_id: str) -> App | None:
        """The app the HTTP API addresses with this id, if any."""
        return self._by_id.get(app_id)

    def __iter__(self) -> Iterator[App]:
        return iter(self._by_id.values())
