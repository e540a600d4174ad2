"""The provider registry: ``API_TELEPHONY_PROVIDER`` -> the adapter that speaks to it."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.mango import MangoProvider
from switchboard_api.telephony.provider_interface import TelephonyProvider

ProviderFactory = Callable[[ApiSettings, httpx.AsyncClient], TelephonyProvider]

PROVIDERS: dict[str, ProviderFactory] = {"mango": MangoProvider.from_settings}
"""Provider name -> factory; a new provider is one module and one entry here."""


def make_provider(settings: ApiSettings, http: httpx.AsyncClient) -> TelephonyProvider:
    """The configured provider's adapter over ``http``."""
    return PROVIDERS[settings.telephony_provider](settings, http)


def provider_http(settings: ApiSettings) -> httpx.AsyncClient:
    """An HTTP client for provider calls (the caller closes it)."""
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.mango_timeout_seconds))
