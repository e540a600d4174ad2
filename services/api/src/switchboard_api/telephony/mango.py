"""The Mango Office VPBX adapter: signed form posts over httpx (reference: mango-vpbx.md)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
import msgspec

from switchboard_api.settings import ApiSettings
from switchboard_api.telephony.provider_interface import (
    HistoryCall,
    Line,
    ListNumber,
    ListType,
    Member,
    MemberSpec,
    ProviderRefused,
    ProviderUnavailable,
    RecordingNotReady,
)
from switchboard_shared.mango import (
    HISTORY_FIELDS,
    BwNumberAdd,
    BwNumberDelete,
    BwNumbersReply,
    CallbackCommand,
    CallbackFrom,
    IncomingLinesReply,
    MemberCreate,
    MemberCreated,
    MemberDelete,
    MemberUpdate,
    PayloadError,
    RecordingLinkQuery,
    ResultCode,
    StatsKey,
    StatsRequest,
    UsersReply,
    UsersRequest,
    build_form,
    decode_payload,
    read_history,
)

log = logging.getLogger("switchboard_api.telephony.mango")
T = TypeVar("T")

# Codes that mean "the PBX is busy or broken right now" rather than "no".
_RETRYABLE_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})


def _code_of(body: bytes) -> int | None:
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    if isinstance(data, dict):
        for key in ("result", "code"):
            value = data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and value.isdigit():
                return int(value)
    return None


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def _history_call(row: dict[str, str]) -> HistoryCall:
    """One line of Mango's call history (``records`` may list several: ``[a,b]``)."""
    records = [r for r in row["records"].strip("[]").split(",") if r.strip()]
    return HistoryCall(
        entry_id=row["entry_id"],
        started_at=_int(row["start"]),
        ended_at=_int(row["finish"]),
        answered_at=_int(row["answer"]),
        from_extension=row["from_extension"] or None,
        from_number=row["from_number"] or None,
        to_extension=row["to_extension"] or None,
        to_number=row["to_number"] or None,
        line_number=row["line_number"] or None,
        disconnect_reason=_int(row["disconnect_reason"]),
        recording_id=records[0].strip() if records else None,
    )


class MangoProvider:
    """:class:`~switchboard_api.telephony.provider_interface.TelephonyProvider` for Mango Office."""

    name = "mango"

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str,
        salt: str,
        access_role_id: int,
        extra_recording_hosts: frozenset[str] = frozenset(),
        stats_poll_seconds: float = 5.0,
        stats_wait_seconds: float = 120.0,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/") + "/"
        self._key = api_key
        self._salt = salt
        self._role = access_role_id
        self._hosts = frozenset({urlsplit(self._base).hostname or ""}) | extra_recording_hosts
        self._stats_poll = stats_poll_seconds
        self._stats_wait = stats_wait_seconds

    @classmethod
    def from_settings(cls, settings: ApiSettings, http: httpx.AsyncClient) -> MangoProvider:
        """The adapter configured by ``API_MANGO_*``."""
        extra = frozenset(
            h.strip().lower() for h in settings.telephony_recording_hosts.split(",") if h.strip()
        )
        return cls(
            http,
            base_url=settings.mango_base_url,
            api_key=settings.mango_api_key,
            salt=settings.mango_api_salt.get_secret_value(),
            access_role_id=settings.mango_access_role_id,
            extra_recording_hosts=extra,
            stats_poll_seconds=settings.mango_stats_poll_seconds,
            stats_wait_seconds=settings.mango_stats_wait_seconds,
        )

    def recording_hosts(self) -> frozenset[str]:
        """The API host plus the configured file hosts."""
        return self._hosts

    async def _post(self, method: str, payload: Any) -> httpx.Response:
        form = build_form(self._key, self._salt, payload)
        url = urljoin(self._base, method)
        try:
            response = await self._http.post(url, data=form.as_fields(), follow_redirects=False)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"Mango {method}: {type(exc).__name__}: {exc}") from exc
        if response.status_code in _RETRYABLE_HTTP:
            raise ProviderUnavailable(
                f"Mango {method} answered HTTP {response.status_code}",
                code=_code_of(response.content),
            )
        return response

    async def _call(self, method: str, payload: Any, reply: type[T]) -> T:
        response = await self._post(method, payload)
        code = _code_of(response.content)
        if response.status_code != 200:
            raise self._refusal(method, response.status_code, code)
        if code is not None and not ResultCode.is_success(code):
            raise self._refusal(method, response.status_code, code)
        try:
            return decode_payload(response.content, reply)
        except PayloadError as exc:
            raise ProviderUnavailable(f"Mango {method}: unexpected reply: {exc}") from exc

    @staticmethod
    def _refusal(method: str, status: int, code: int | None) -> Exception:
        message = f"Mango {method} refused (HTTP {status}, code {code})"
        if code is not None and 5000 <= code < 6000:
            return ProviderUnavailable(message, code=code)
        return ProviderRefused(message, code=code)

    async def members(self) -> list[Member]:
        """``config/users/request`` with the member ids."""
        request = UsersRequest(ext_fields=["general.user_id"])
        reply = await self._call("config/users/request", request, UsersReply)
        return [
            Member(
                provider_user_id=u.general.user_id,
                name=u.general.name,
                extension=u.telephony.extension,
                email=u.general.email,
            )
            for u in reply.users
            if u.general.user_id is not None
        ]

    async def create_member(self, spec: MemberSpec) -> int:
        """``member/create``."""
        body = MemberCreate(
            name=spec.name, access_role_id=self._role, extension=spec.extension, email=spec.email
        )
        created = await self._call("member/create", body, MemberCreated)
        return created.user_id

    async def update_member(self, provider_user_id: int, spec: MemberSpec) -> None:
        """``member/update``."""
        body = MemberUpdate(
            user_id=provider_user_id, name=spec.name, extension=spec.extension, email=spec.email
        )
        await self._call("member/update", body, dict)

    async def delete_member(self, provider_user_id: int) -> None:
        """``member/delete``; an unknown member (3300) is already gone."""
        try:
            await self._call("member/delete", MemberDelete(user_id=provider_user_id), dict)
        except ProviderRefused as exc:
            if exc.code != ResultCode.OBJECT_NOT_FOUND:
                raise

    async def lines(self) -> list[Line]:
        """``incominglines``."""
        reply = await self._call("incominglines", {}, IncomingLinesReply)
        return [
            Line(
                provider_line_id=line.line_id,
                number=line.number,
                name=line.name,
                region=line.region,
                schema_name=line.schema_name,
                comment=line.comment,
            )
            for line in reply.lines
        ]

    async def recording_link(self, recording_id: str) -> str:
        """``queries/recording/post``: a 302 to a one-time link; 404/3320 while not ready."""
        query = RecordingLinkQuery(recording_id=recording_id, action="download")
        response = await self._post("queries/recording/post", query)
        location = response.headers.get("location")
        if response.status_code in (301, 302, 303, 307, 308) and location:
            return urljoin(self._base, str(location))
        code = _code_of(response.content)
        if response.status_code == 404 or code == ResultCode.RECORDING_NOT_FOUND:
            raise RecordingNotReady(f"recording {recording_id} is not ready", code=code)
        raise self._refusal("queries/recording/post", response.status_code, code)

    async def callback(
        self, *, command_id: str, extension: str, to_number: str, line_number: str | None
    ) -> None:
        """``commands/callback``."""
        command = CallbackCommand(
            command_id=command_id,
            from_=CallbackFrom(extension=extension),
            to_number=to_number,
            line_number=line_number,
        )
        await self._call("commands/callback", command, dict)

    async def call_history(self, date_from: int, date_to: int) -> list[HistoryCall]:
        """``stats/request``, then ``stats/result`` polled until the report is ready."""
        request = StatsRequest(
            date_from=date_from, date_to=date_to, fields=",".join(HISTORY_FIELDS)
        )
        key = (await self._call("stats/request", request, StatsKey)).key
        deadline = time.monotonic() + self._stats_wait
        while True:
            response = await self._post("stats/result", StatsKey(key=key))
            if response.status_code == 200:
                return [_history_call(row) for row in read_history(response.text)]
            if response.status_code != 204:
                raise self._refusal(
                    "stats/result", response.status_code, _code_of(response.content)
                )
            if time.monotonic() >= deadline:
                raise ProviderUnavailable(f"Mango call history {key} not ready in time")
            await asyncio.sleep(self._stats_poll)

    async def list_numbers(self) -> list[ListNumber]:
        """``bwlists/numbers/``: both lists."""
        reply = await self._call("bwlists/numbers/", {}, BwNumbersReply)
        found: list[ListNumber] = []
        for list_type, bw in (("black", reply.data.black), ("white", reply.data.white)):
            found += [
                ListNumber(n.number_id, n.number, list_type, n.comment)  # type: ignore[arg-type]
                for n in bw.numbers
            ]
        return found

    async def add_list_number(self, list_type: ListType, number: str, comment: str) -> None:
        """``bwlists/number/add/``."""
        body = BwNumberAdd(list_type=list_type, number=number, comment=comment)
        await self._call("bwlists/number/add/", body, dict)

    async def delete_list_number(self, number_id: int) -> None:
        """``bwlists/number/delete/``; an unknown id (3300) is already gone."""
        try:
            await self._call("bwlists/number/delete/", BwNumberDelete(number_id=number_id), dict)
        except ProviderRefused as exc:
            if exc.code != ResultCode.OBJECT_NOT_FOUND:
                raise
