"""The simulated PBX's configuration in memory: members, company lines, black/white lists."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Literal

from switchboard_pbxsim.settings import PbxSimSettings
from switchboard_shared.mango import (
    BwList,
    BwListNumber,
    BwNumberAdd,
    BwNumbersData,
    IncomingLine,
    MemberCreate,
    MemberNumber,
    MemberUpdate,
    ResultCode,
    UserGeneral,
    UserNumber,
    UserRecord,
    UserTelephony,
)

DEFAULT_ROLE_ID = 10454
ListType = Literal["black", "white"]


class PbxError(Exception):
    """A request the simulated PBX refuses, with the Mango code to answer."""

    def __init__(self, code: ResultCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Member:
    """One employee; mirrors the fields ``member/create`` and ``member/update`` take."""

    user_id: int
    name: str
    extension: str
    access_role_id: int = DEFAULT_ROLE_ID
    email: str | None = None
    mobile: str | None = None
    department: str | None = None
    position: str | None = None
    login: str | None = None
    use_status: int = 0
    use_cc_numbers: int = 0
    dial_alg: int = 1
    line_id: int | None = None
    trunk_number_id: int | None = None
    outgoingline: str | None = None
    numbers: list[MemberNumber] = field(default_factory=list)

    def record(self) -> UserRecord:
        """The member as ``config/users/request`` returns it."""
        numbers = [
            UserNumber(
                number=n.number,
                number_normalized=n.number if n.protocol == "tel" else None,
                protocol=n.protocol,
                order=i,
                wait_sec=n.wait_sec if n.wait_sec is not None else 20,
                status=n.status or "on",
                schedule=n.schedule,
            )
            for i, n in enumerate(self.numbers)
        ]
        return UserRecord(
            general=UserGeneral(
                name=self.name, email=self.email, department=self.department,
                position=self.position, user_id=self.user_id,
                access_role_id=self.access_role_id, mobile=self.mobile, login=self.login,
                use_status=self.use_status, use_cc_numbers=self.use_cc_numbers,
            ),
            telephony=UserTelephony(
                extension=self.extension, outgoingline=self.outgoingline, numbers=numbers,
                dial_alg=self.dial_alg, line_id=self.line_id,
                trunk_number_id=self.trunk_number_id,
            ),
            groups=[],
        )  # fmt: skip

    @property
    def device(self) -> str:
        """The number calls to this member show as ``to.number`` (its first device)."""
        return self.numbers[0].number if self.numbers else f"sip:user{self.extension}@unknown"


_UPDATABLE = (
    "name", "access_role_id", "extension", "email", "mobile", "department", "position",
    "login", "use_status", "use_cc_numbers", "dial_alg", "line_id", "trunk_number_id",
    "outgoingline",
)  # fmt: skip


class Directory:
    """Members, lines and lists of one simulated PBX."""

    def __init__(self, settings: PbxSimSettings) -> None:
        self.settings = settings
        self.sip_domain = settings.sip_domain
        self.reset()

    def reset(self) -> None:
        """Forget every change: back to the seeded members and lines, empty lists."""
        settings = self.settings
        self.members: dict[int, Member] = {}
        self.lines: dict[int, IncomingLine] = {}
        self.lists: dict[str, dict[int, BwListNumber]] = {"black": {}, "white": {}}
        self.active_list: ListType = "black"
        self._user_ids = itertools.count(300054321)
        self._line_ids = itertools.count(300024487)
        self._number_ids = itertools.count(10088581)
        for seed in settings.members():
            self.create_member(
                MemberCreate(
                    name=seed.name, access_role_id=DEFAULT_ROLE_ID, extension=seed.extension
                )
            )
        for line in settings.lines():
            self.add_line(line.number, line.name)

    # members
    def default_device(self, extension: str) -> str:
        """The SIP device a member gets when created without numbers."""
        return f"sip:user{extension}@{self.sip_domain}"

    def by_extension(self, extension: str) -> Member | None:
        """The member with this extension, if any."""
        return next((m for m in self.members.values() if m.extension == extension), None)

    def _check_extension_free(self, extension: str, user_id: int | None = None) -> None:
        other = self.by_extension(extension)
        if other is not None and other.user_id != user_id:
            raise PbxError(ResultCode.BAD_PARAMETERS, f"extension {extension} is taken")

    def create_member(self, body: MemberCreate) -> Member:
        """``member/create``."""
        self._check_extension_free(body.extension)
        if (body.login is None) != (body.password is None):
            raise PbxError(ResultCode.BAD_PARAMETERS, "login and password go together")
        member = Member(
            user_id=next(self._user_ids), name=body.name, extension=body.extension,
            access_role_id=body.access_role_id,
            numbers=body.numbers
            or [MemberNumber(number=self.default_device(body.extension), protocol="sip")],
        )  # fmt: skip
        self._apply(member, body)
        self.members[member.user_id] = member
        return member

    def update_member(self, body: MemberUpdate) -> Member:
        """``member/update``: given fields change; ``numbers`` replaces all devices."""
        member = self._member(body.user_id)
        if body.line_id is not None and body.trunk_number_id is not None:
            raise PbxError(ResultCode.BAD_PARAMETERS, "line_id and trunk_number_id exclude")
        if body.extension is not None:
            self._check_extension_free(body.extension, member.user_id)
        self._apply(member, body)
        if body.numbers is not None:
            member.numbers = list(body.numbers)
        return member

    @staticmethod
    def _apply(member: Member, body: MemberCreate | MemberUpdate) -> None:
        for name in _UPDATABLE:
            value = getattr(body, name, None)
            if value is not None:
                setattr(member, name, value)

    def delete_member(self, user_id: int) -> None:
        """``member/delete``."""
        self._member(user_id)
        del self.members[user_id]

    def _member(self, user_id: int) -> Member:
        try:
            return self.members[user_id]
        except KeyError:
            raise PbxError(ResultCode.OBJECT_NOT_FOUND, f"no member {user_id}") from None

    # lines
    def add_line(self, number: str, name: str | None = None) -> IncomingLine:
        """Add a company line (control API and seeding)."""
        line = IncomingLine(
            line_id=next(self._line_ids), number=number, name=name, region="2",
            schema_id=10000008, schema_name="По умолчанию",
        )  # fmt: skip
        self.lines[line.line_id] = line
        return line

    def remove_line(self, line_id: int) -> None:
        """Take a company line away (control API: the operator cancelled the number)."""
        if self.lines.pop(line_id, None) is None:
            raise PbxError(ResultCode.OBJECT_NOT_FOUND, f"no line {line_id}")

    def first_line(self) -> str | None:
        """The first company line's number (the default for scripted calls)."""
        return next(iter(self.lines.values())).number if self.lines else None

    # black/white lists
    def list_data(self) -> BwNumbersData:
        """Both lists as ``bwlists/numbers/`` returns them."""
        return BwNumbersData(
            active=self.active_list,
            black=BwList(allow_unknown_number=True, numbers=list(self.lists["black"].values())),
            white=BwList(allow_unknown_number=False, numbers=list(self.lists["white"].values())),
        )

    def add_list_number(self, body: BwNumberAdd) -> BwListNumber:
        """``bwlists/number/add/``."""
        entry = BwListNumber(
            number_id=next(self._number_ids), number=body.number,
            comment=body.comment or "", number_type=body.number_type,
        )  # fmt: skip
        self.lists[body.list_type][entry.number_id] = entry
        return entry

    def delete_list_number(self, number_id: int) -> None:
        """``bwlists/number/delete/``."""
        for entries in self.lists.values():
            if entries.pop(number_id, None) is not None:
                return
        raise PbxError(ResultCode.OBJECT_NOT_FOUND, f"no list number {number_id}")
