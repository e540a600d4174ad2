"""The provider interface: what Switchboard asks of a cloud PBX, in provider-neutral terms.

A second provider (Zadarma, Twilio...) is one new module implementing
:class:`TelephonyProvider` plus one entry in
:mod:`switchboard_api.telephony.provider_registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from switchboard_api.platform.retry import RetryLater

ListType = Literal["black", "white"]


class ProviderError(Exception):
    """The provider did not do what we asked. ``retryable`` errors may succeed later."""

    retryable = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ProviderUnavailable(ProviderError):
    """Unreachable, timed out, overloaded or rate limited: try again later."""

    retryable = True


class ProviderRefused(ProviderError):
    """The provider understood the request and refused it (bad parameters, unknown id...)."""


class RecordingNotReady(ProviderError, RetryLater):
    """The recording is not downloadable yet (the provider is still storing it)."""

    retryable = True


@dataclass(frozen=True, slots=True)
class MemberSpec:
    """What an employee should look like on the PBX."""

    name: str
    extension: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A PBX member (employee) as the provider lists it."""

    provider_user_id: int
    name: str
    extension: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Line:
    """A company line (DID) as the provider lists it; ``number`` as the provider writes it."""

    provider_line_id: int
    number: str
    name: str | None = None
    region: str | None = None
    schema_name: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ListNumber:
    """One number of the provider's black or white list."""

    number_id: int
    number: str
    list_type: ListType
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryCall:
    """One call of the provider's call history; times are Unix seconds (``answered_at`` 0:
    never answered), numbers and extensions as the provider writes them."""

    entry_id: str
    started_at: int
    ended_at: int
    answered_at: int
    from_extension: str | None = None
    from_number: str | None = None
    to_extension: str | None = None
    to_number: str | None = None
    line_number: str | None = None
    disconnect_reason: int = 0
    recording_id: str | None = None


class TelephonyProvider(Protocol):
    """A cloud PBX: members, lines, recordings, click-to-call and number lists.

    Every method raises :class:`ProviderUnavailable` (retry later) or
    :class:`ProviderRefused` (do not retry as is) when it fails.
    """

    name: str

    def recording_hosts(self) -> frozenset[str]:
        """Hosts recordings may be downloaded from (the API host among them)."""
        ...

    async def members(self) -> list[Member]:
        """Every member of the PBX."""
        ...

    async def create_member(self, spec: MemberSpec) -> int:
        """Create a member; returns the provider's id of it."""
        ...

    async def update_member(self, provider_user_id: int, spec: MemberSpec) -> None:
        """Change a member's name, extension and email."""
        ...

    async def delete_member(self, provider_user_id: int) -> None:
        """Remove a member (an already absent member is not an error)."""
        ...

    async def lines(self) -> list[Line]:
        """The company's lines."""
        ...

    async def recording_link(self, recording_id: str) -> str:
        """A short-lived download URL of a recording (:class:`RecordingNotReady` if not yet)."""
        ...

    async def callback(
        self, *, command_id: str, extension: str, to_number: str, line_number: str | None
    ) -> None:
        """Click-to-call: ring ``extension``, then dial ``to_number``; the outcome arrives
        later as a webhook carrying ``command_id``."""
        ...

    async def call_history(self, date_from: int, date_to: int) -> list[HistoryCall]:
        """The calls that started between two Unix times, as the provider recorded them."""
        ...

    async def list_numbers(self) -> list[ListNumber] | None:
        """Both black and white lists; None if the provider has no such lists."""
        ...

    async def add_list_number(self, list_type: ListType, number: str, comment: str) -> None:
        """Add a number to a list."""
        ...

    async def delete_list_number(self, number_id: int) -> None:
        """Remove a number from its list."""
        ...
