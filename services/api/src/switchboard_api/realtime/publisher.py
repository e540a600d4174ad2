"""Publishing to the realtime service through its Pusher HTTP API (signed requests)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx
import msgspec

from switchboard_shared.logs import REQUEST_ID_HEADER
from switchboard_shared.pusher import sign_request


class BatchEvent(msgspec.Struct, kw_only=True):
    """One item of ``POST /apps/{id}/batch_events``: an event on one channel."""

    name: str
    channel: str
    data: str  # the payload, already JSON-encoded (Pusher's wire format)


class _Batch(msgspec.Struct):
    batch: list[BatchEvent]


class PublishError(Exception):
    """The realtime service did not acknowledge a publish; retrying may succeed."""


class Publisher:
    """A client of the realtime service's publish API for one app."""

    def __init__(
        self, client: httpx.AsyncClient, *, base_url: str, app_id: str, key: str, secret: str
    ) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._path_prefix = urlsplit(self._base_url).path.rstrip("/")
        self._app_id = app_id
        self._key = key
        self._secret = secret

    async def terminate_user_connections(self, user_id: str) -> None:
        """Close every connection signed in as the user, on every realtime node; raise
        :class:`PublishError` unless the service acknowledged it."""
        await self._post(f"/apps/{self._app_id}/users/{user_id}/terminate_connections", b"{}")

    async def publish_batch(
        self, events: Sequence[BatchEvent], *, request_ids: Sequence[str] = ()
    ) -> None:
        """Deliver ``events`` in one signed request, in order; raise :class:`PublishError`
        unless the service answered 2xx (only then were they accepted). ``request_ids``:
        the requests that caused them (sent along for the realtime node's log)."""
        if not events:
            return
        body = msgspec.json.encode(_Batch(batch=list(events)))
        await self._post(f"/apps/{self._app_id}/batch_events", body, request_ids)

    async def _post(self, path: str, body: bytes, request_ids: Sequence[str] = ()) -> None:
        params = sign_request(self._key, self._secret, "POST", self._path_prefix + path, body=body)
        try:
            response = await self._client.post(
                self._base_url + path,
                params=params,
                content=body,
                headers=_headers(request_ids),
            )
        except httpx.HTTPError as exc:
            raise PublishError(f"realtime unreachable: {exc!r}") from exc
        if not response.is_success:
            raise PublishError(f"realtime answered {response.status_code}: {response.text[:200]}")


def _headers(request_ids: Sequence[str]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if request_ids:
        headers[REQUEST_ID_HEADER] = ",".join(request_ids)
    return headers
