"""PBX configuration: members (employees), incoming lines (reference §4)."""

from __future__ import annotations

from typing import Any, Literal

from switchboard_shared.mango.codec import MangoPayload

NumberProtocol = Literal["tel", "sip", "fmc", "skype"]


class UsersRequest(MangoPayload, kw_only=True):
    """``config/users/request``: all members, or the one with ``extension``."""

    extension: str | None = None
    ext_fields: list[str] | None = None


class UserSip(MangoPayload, kw_only=True):
    """One SIP account of a member."""

    number: str


class UserGeneral(MangoPayload, kw_only=True):
    """``general`` block of a member."""

    name: str
    email: str | None = None
    department: str | None = None
    position: str | None = None
    user_id: int | None = None
    access_role_id: int | None = None
    mobile: str | None = None
    login: str | None = None
    use_status: int | None = None
    use_cc_numbers: int | None = None
    sips: list[UserSip] | None = None


class UserNumber(MangoPayload, kw_only=True):
    """One device a member's calls ring (``order``/``wait_sec`` come as strings too)."""

    number: str
    number_normalized: str | None = None
    protocol: NumberProtocol
    order: int | None = None
    wait_sec: int | None = None
    status: Literal["on", "off"] | None = None
    schedule: list[Any] | None = None


class UserTelephony(MangoPayload, kw_only=True):
    """``telephony`` block of a member."""

    extension: str | None = None
    outgoingline: str | None = None
    numbers: list[UserNumber] = []
    dial_alg: int | None = None
    line_id: int | None = None
    trunk_number_id: int | None = None


class UserRecord(MangoPayload, kw_only=True):
    """One member as ``config/users/request`` returns it."""

    general: UserGeneral
    telephony: UserTelephony
    groups: list[int] | None = None


class UsersReply(MangoPayload, kw_only=True):
    """Reply of ``config/users/request``."""

    users: list[UserRecord]
    result: int | None = None


class MemberNumber(MangoPayload, kw_only=True):
    """A device given in ``member/create`` or ``member/update`` (``numbers`` replaces all)."""

    number: str
    protocol: NumberProtocol
    wait_sec: int | None = None
    status: Literal["on", "off"] | None = None
    schedule: list[Any] | None = None


class _MemberFields(MangoPayload, kw_only=True):
    """Fields ``member/create`` and ``member/update`` share, all optional."""

    email: str | None = None
    mobile: str | None = None
    department: str | None = None
    position: str | None = None
    login: str | None = None
    password: str | None = None
    use_status: int | None = None
    use_cc_numbers: int | None = None
    line_id: int | None = None
    trunk_number_id: int | None = None
    dial_alg: int | None = None
    numbers: list[MemberNumber] | None = None


class MemberCreate(_MemberFields, kw_only=True):
    """``member/create``: a new employee with an extension."""

    name: str
    access_role_id: int
    extension: str


class MemberCreated(MangoPayload, kw_only=True):
    """Reply of ``member/create``."""

    result: int
    user_id: int


class MemberUpdate(_MemberFields, kw_only=True):
    """``member/update``: change any field of member ``user_id`` (``""`` outgoingline = none)."""

    user_id: int
    name: str | None = None
    access_role_id: int | None = None
    extension: str | None = None
    outgoingline: str | None = None


class MemberDelete(MangoPayload, kw_only=True):
    """``member/delete``."""

    user_id: int


class IncomingLine(MangoPayload, kw_only=True):
    """A company line (DID) from ``incominglines``."""

    line_id: int
    number: str
    name: str | None = None
    comment: str | None = None
    region: str | None = None
    schema_id: int | None = None
    schema_name: str | None = None


class IncomingLinesReply(MangoPayload, kw_only=True):
    """Reply of ``incominglines``."""

    result: int
    lines: list[IncomingLine]
