"""Deliver a call's webhooks: signed form posts, in the order and timing a script asks for."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

import aiohttp

from switchboard_pbxsim.scenarios import Planned
from switchboard_pbxsim.script import DeliveryPlan
from switchboard_shared.mango import build_form, encode_json


@dataclass
class Delivery:
    """One POST to make (or made): which webhook, when, and what the receiver said."""

    index: int
    """Position of the webhook in the realistic order (0-based)."""
    path: str
    json: str
    send_after: float
    """Seconds after the start of delivery."""
    status: int | None = None
    error: str | None = None


def _order(count: int, plan: DeliveryPlan) -> list[int]:
    indexes = list(range(count))
    if plan.order == "reversed":
        indexes.reverse()
    elif plan.order == "shuffled":
        random.Random(plan.seed).shuffle(indexes)  # noqa: S311 - test traffic, not crypto
        if indexes == sorted(indexes) and count > 1:
            indexes.reverse()  # "out of order" must never come out in order by chance
    return indexes


def schedule(webhooks: list[Planned], plan: DeliveryPlan, gap: float) -> list[Delivery]:
    """The deliveries in sending order: ordered, repeated ``duplicates`` times, delayed."""
    one_pass = _order(len(webhooks), plan)
    sequence = one_pass * (1 + plan.duplicates)
    deliveries = [
        Delivery(
            index=i,
            path=webhooks[i].path,
            json=encode_json(webhooks[i].payload),
            send_after=position * gap + plan.delays.get(i, 0.0),
        )
        for position, i in enumerate(sequence)
    ]
    # Stable: equal times keep the chosen order; a delayed webhook moves behind later ones.
    deliveries.sort(key=lambda d: d.send_after)
    return deliveries


class WebhookSender:
    """Posts signed webhooks to ``{webhook_url}{path}`` as Mango does (form-urlencoded)."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, api_key: str, salt: str
    ) -> None:
        self._session, self._base = session, base_url.rstrip("/")
        self._key, self._salt = api_key, salt

    async def post(self, path: str, json_text: str) -> int:
        """Send one webhook; the HTTP status the receiver answered."""
        form = build_form(self._key, self._salt, json_text)
        async with self._session.post(
            self._base + path,
            data=form.urlencoded(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ) as response:
            await response.read()
            return response.status

    async def deliver(self, deliveries: list[Delivery]) -> None:
        """Send each delivery at its time, one after the other; record each outcome."""
        started = time.monotonic()
        for delivery in deliveries:
            wait = started + delivery.send_after - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                delivery.status = await self.post(delivery.path, delivery.json)
            except (aiohttp.ClientError, TimeoutError) as exc:
                # Mango's redelivery policy is unknown: record the failure, do not retry.
                delivery.error = f"{type(exc).__name__}: {exc}"
