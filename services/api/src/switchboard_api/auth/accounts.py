"""Creating accounts outside the HTTP API (first admin, demo users), with the same rules
and through the same writer as a create through the users lifecycle: the ``created`` event,
the cache, and the users hooks (the PBX member sync) are the same."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from switchboard_api.auth import repository
from switchboard_api.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from switchboard_api.auth.permissions import Role
from switchboard_api.lifecycle.deps import record_cache
from switchboard_api.lifecycle.writer import RecordWriter
from switchboard_api.platform.unit_of_work import UnitOfWork
from switchboard_api.users.entity import USERS


class AccountError(ValueError):
    """The account cannot be created as asked (message says why, for a terminal)."""


@dataclass(frozen=True, slots=True)
class NewAccount:
    """What an account is created from."""

    email: str
    full_name: str
    role: Role
    password: str
    extension: str | None = None


def check_account(account: NewAccount) -> NewAccount:
    """Validate and normalize; raises :class:`AccountError` with a readable message."""
    try:
        email = validate_email(
            account.email, check_deliverability=False, globally_deliverable=False
        ).normalized
    except EmailNotValidError as exc:
        raise AccountError(f"invalid email: {exc}") from None
    full_name = account.full_name.strip()
    if not full_name or len(full_name) > 200:
        raise AccountError("the full name must have 1 to 200 characters")
    if not MIN_PASSWORD_LENGTH <= len(account.password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(
            f"the password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )
    return NewAccount(email, full_name, account.role, account.password, account.extension)


async def create_account(uow: UnitOfWork, account: NewAccount) -> uuid.UUID:
    """Write the user (actor: the system) in the unit of work's transaction; refuses an email
    or extension already in use. Once it commits, the users hooks run as for any create."""
    account = check_account(account)
    session = uow.session
    if await repository.email_taken(session, account.email):
        raise AccountError(f"a user with email {account.email} already exists")
    if account.extension and await repository.extension_taken(session, account.extension):
        raise AccountError(f"extension {account.extension} is already taken")
    values = {
        "email": account.email,
        "full_name": account.full_name,
        "role": str(account.role),
        "extension": account.extension,
        "is_active": True,
    }
    writer = RecordWriter(USERS, uow, record_cache(uow.resources))
    written = await writer.insert(
        {**values, "password_hash": hash_password(account.password)}, raw=set(values)
    )
    user_id: uuid.UUID = written.row["id"]
    return user_id
