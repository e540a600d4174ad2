"""Contact schemas: Contact / ContactCreate / ContactUpdate."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from switchboard_api.lifecycle.schemas import RecordFields

Name = Annotated[str, Meta(min_length=1, max_length=200)]
OptText = Annotated[str, Meta(max_length=200)] | None
Email = Annotated[str, Meta(max_length=320, description="An email address.")]
Tag = Annotated[str, Meta(min_length=1, max_length=50)]
PhoneType = Literal["mobile", "work", "home", "fax", "other"]


class Phone(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A typed phone number; any common way of writing it in, E.164 out."""

    type: PhoneType = "mobile"
    number: Annotated[str, Meta(min_length=1, max_length=32, description="Stored as E.164.")]


Emails = Annotated[list[Email], Meta(max_length=20)]
Phones = Annotated[list[Phone], Meta(max_length=20)]
Tags = Annotated[list[Tag], Meta(max_length=50)]
Attributes = Annotated[dict[str, Any], Meta(description="Free-form attributes.")]


class Contact(RecordFields, kw_only=True):
    """A contact."""

    name: str
    company: str | None
    job_title: str | None
    emails: list[str]
    phones: list[Phone]
    owner_id: uuid.UUID | None
    tags: list[str]
    attributes: dict[str, Any]


class ContactCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new contact."""

    name: Name
    company: OptText = None
    job_title: OptText = None
    emails: Emails = msgspec.field(default_factory=list)
    phones: Phones = msgspec.field(default_factory=list)
    owner_id: uuid.UUID | None = None
    tags: Tags = msgspec.field(default_factory=list)
    attributes: Attributes = msgspec.field(default_factory=dict)


class ContactUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a contact; fields left out stay as they are."""

    name: Name | UnsetType = UNSET
    company: OptText | UnsetType = UNSET
    job_title: OptText | UnsetType = UNSET
    emails: Emails | UnsetType = UNSET
    phones: Phones | UnsetType = UNSET
    owner_id: uuid.UUID | UnsetType | None = UNSET
    tags: Tags | UnsetType = UNSET
    attributes: Attributes | UnsetType = UNSET
