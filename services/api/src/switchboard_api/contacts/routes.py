"""Contact routes: the generic lifecycle plus lookup by phone."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from switchboard_api.auth.guards import entity_route
from switchboard_api.auth.permissions import Action
from switchboard_api.auth.principal import Principal
from switchboard_api.contacts.entity import CONTACTS
from switchboard_api.contacts.service import PhoneLookup, lookup_by_phone
from switchboard_api.lifecycle.http import problems
from switchboard_api.lifecycle.routes import lifecycle_router
from switchboard_api.platform.resources import Resources
from switchboard_api.timeline.routes import timeline_handler


@get(
    "/lookup",
    name="contacts:lookup",
    summary="Find contacts by phone number",
    description="Accepts any common format: +7 912 345-67-89, 8 (912) 345 67 89, 89123456789.",
    opt=entity_route(CONTACTS.name, Action.READ),
    responses=problems(422),
)
async def lookup_contacts(
    principal: NamedDependency[Principal],
    resources: NamedDependency[Resources],
    phone: Annotated[str, Parameter(min_length=1, max_length=32, description="A phone number.")],
) -> PhoneLookup:
    """Live contacts having this number."""
    region = resources.settings.default_phone_region
    return await lookup_by_phone(resources.sessionmaker, principal, phone, region)


def contacts_router() -> Router:
    """Every contacts route."""
    return lifecycle_router(CONTACTS, extra=[lookup_contacts, timeline_handler(CONTACTS)])
