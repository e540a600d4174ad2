"""Cluster-wide answers of the HTTP API's channel queries (occupancy and presence users)."""

from __future__ import annotations

import time

from switchboard_realtime.apps import App
from switchboard_realtime.node import Node
from switchboard_realtime.protocol.channels import ChannelKind, channel_kind
from switchboard_realtime.protocol.publish import BadRequest, Publication

_ATTRIBUTES = {"user_count", "subscription_count"}


def _info_attributes(raw: str | None) -> set[str]:
    attributes = {a for a in (raw or "").split(",") if a}
    unknown = attributes - _ATTRIBUTES
    if unknown:
        raise BadRequest(f"unsupported info attributes: {', '.join(sorted(unknown))}")
    return attributes


class ChannelQueries:
    """Reads occupancy from every live node and presence members from Redis."""

    def __init__(self, node: Node, app: App) -> None:
        self._node = node
        self._app = app

    async def _user_count(self, channel: str) -> int:
        members = await self._node.presence.members(self._app.id, channel, int(time.time() * 1000))
        return len(members)

    async def channels(self, params: dict[str, str]) -> object:
        """``GET /channels``: occupied channels, optionally by prefix, with user counts."""
        prefix = params.get("filter_by_prefix", "")
        attributes = _info_attributes(params.get("info"))
        if "user_count" in attributes and not prefix.startswith("presence-"):
            raise BadRequest("info=user_count needs filter_by_prefix=presence-")
        occupancy = await self._node.cluster.occupancy(self._app.id)
        result: dict[str, dict[str, int]] = {}
        for channel, count in sorted(occupancy.items()):
            if not channel.startswith(prefix):
                continue
            info: dict[str, int] = {}
            if "user_count" in attributes:
                info["user_count"] = await self._user_count(channel)
            if "subscription_count" in attributes:
                info["subscription_count"] = count
            result[channel] = info
        return {"channels": result}

    async def channel(self, channel: str, params: dict[str, str]) -> object:
        """``GET /channels/{name}``: occupied, and the requested counts."""
        attributes = _info_attributes(params.get("info"))
        presence = channel_kind(channel) is ChannelKind.PRESENCE
        if "user_count" in attributes and not presence:
            raise BadRequest("user_count is only available for presence channels")
        count = (await self._node.cluster.occupancy(self._app.id)).get(channel, 0)
        result: dict[str, object] = {"occupied": count > 0}
        if "user_count" in attributes:
            result["user_count"] = await self._user_count(channel)
        if "subscription_count" in attributes:
            result["subscription_count"] = count
        return result

    async def users(self, channel: str) -> object:
        """``GET /channels/{name}/users``: the presence channel's user ids."""
        if channel_kind(channel) is not ChannelKind.PRESENCE:
            raise BadRequest("users are only available for presence channels")
        now = int(time.time() * 1000)
        members = await self._node.presence.members(self._app.id, channel, now)
        return {"users": [{"id": user_id} for user_id in members]}

    @staticmethod
    def check_info(publications: list[Publication]) -> None:
        """Refuse unknown ``info`` attributes before anything is published."""
        for publication in publications:
            _info_attributes(publication.info)

    async def publish_info(self, publications: list[Publication]) -> object:
        """The ``/events`` reply: ``{}``, or per-channel counts when ``info`` was asked."""
        if not publications or publications[0].info is None:
            return {}
        attributes = _info_attributes(publications[0].info)
        return {
            "channels": {p.channel: await self._counts(p.channel, attributes) for p in publications}
        }

    async def batch_info(self, publications: list[Publication]) -> object:
        """The ``/batch_events`` reply: ``{}``, or one attributes object per event."""
        if all(p.info is None for p in publications):
            return {}
        return {
            "batch": [await self._counts(p.channel, _info_attributes(p.info)) for p in publications]
        }

    async def _counts(self, channel: str, attributes: set[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        if "user_count" in attributes and channel_kind(channel) is ChannelKind.PRESENCE:
            counts["user_count"] = await self._user_count(channel)
        if "subscription_count" in attributes:
            occupancy = await self._node.cluster.occupancy(self._app.id)
            counts["subscription_count"] = occupancy.get(channel, 0)
        return counts
