"""HTTP API request bodies: ``POST /events`` and ``/batch_events`` into publishable events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeVar

import msgspec

from switchboard_realtime.protocol.channels import InvalidChannelName, validate_channel_name
from switchboard_realtime.protocol.client_events import MAX_EVENT_NAME_LENGTH

_SOCKET_ID = re.compile(r"\d+\.\d+")
T = TypeVar("T")


class BadRequest(ValueError):
    """Answered with 400 and the message."""


class TooLarge(ValueError):
    """Answered with 413 and the message."""


@dataclass(frozen=True, slots=True)
class PublishLimits:
    """Limits of the HTTP publish API."""

    max_channel_name_length: int
    max_event_data_bytes: int
    max_channels_per_trigger: int
    max_batch_events: int


@dataclass(frozen=True, slots=True)
class Publication:
    """One event for one channel; ``exclude`` is the socket that caused it (``socket_id``)."""

    channel: str
    event: str
    data: str
    exclude: str | None
    info: str | None


class _Event(msgspec.Struct):
    name: str
    data: str
    channels: list[str] | None = None
    channel: str | None = None
    socket_id: str | None = None
    info: str | None = None


class _Batch(msgspec.Struct):
    batch: list[_Event]


def parse_events_body(body: bytes, limits: PublishLimits) -> list[Publication]:
    """``POST /events``: one event to one or more channels."""
    event = _decode(body, _Event)
    if event.channels is None and event.channel is None:
        raise BadRequest("channels or channel is required")
    channels = event.channels if event.channels is not None else [event.channel or ""]
    if not channels:
        raise BadRequest("channels must not be empty")
    if len(channels) > limits.max_channels_per_trigger:
        raise BadRequest(f"at most {limits.max_channels_per_trigger} channels per event")
    return [_publication(event, channel, limits) for channel in channels]


def parse_batch_body(body: bytes, limits: PublishLimits) -> list[Publication]:
    """``POST /batch_events``: several events, each to one channel."""
    batch = _decode(body, _Batch).batch
    if len(batch) > limits.max_batch_events:
        raise BadRequest(f"at most {limits.max_batch_events} events per batch")
    publications = []
    for event in batch:
        if event.channel is None:
            raise BadRequest("every batch event needs a channel")
        publications.append(_publication(event, event.channel, limits))
    return publications


def _decode(body: bytes, kind: type[T]) -> T:
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.DecodeError as exc:
        raise BadRequest(f"invalid body: {exc}") from None


def _publication(event: _Event, channel: str, limits: PublishLimits) -> Publication:
    try:
        validate_channel_name(channel, limits.max_channel_name_length)
    except InvalidChannelName as exc:
        raise BadRequest(str(exc)) from None
    if not event.name or len(event.name) > MAX_EVENT_NAME_LENGTH:
        raise BadRequest(f"event name must be 1 to {MAX_EVENT_NAME_LENGTH} characters")
    if len(event.data.encode()) > limits.max_event_data_bytes:
        raise TooLarge(f"event data larger than {limits.max_event_data_bytes} bytes")
    if event.socket_id is not None and not _SOCKET_ID.fullmatch(event.socket_id):
        raise BadRequest("invalid socket_id")
    return Publication(channel, event.name, event.data, event.socket_id, event.info)
