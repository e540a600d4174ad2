"""One WebSocket connection speaking Pusher protocol v7, from handshake to cleanup."""

from __future__ import annotations

import contextlib
import logging
import random
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from redis.exceptions import RedisError
from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed

from switchboard_realtime.addresses import client_address
from switchboard_realtime.apps import App
from switchboard_realtime.client import Client
from switchboard_realtime.node import Node
from switchboard_realtime.presence import ChannelFull
from switchboard_realtime.protocol import frames
from switchboard_realtime.protocol.channels import ChannelKind
from switchboard_realtime.protocol.client_events import (
    ClientEventRejected,
    TokenBucket,
    validate_client_event,
)
from switchboard_realtime.protocol.codes import CloseCode, ErrorCode
from switchboard_realtime.protocol.signin import (
    SERVER_TO_USER_PREFIX,
    SigninRefused,
    server_to_user_grant,
    signed_in_user,
)
from switchboard_realtime.protocol.subscriptions import (
    Grant,
    SubscriptionRefused,
    authorize,
    parse_subscribe,
)

log = logging.getLogger(__name__)

_APP_PATH = re.compile(r"(?:.*)/app/([^/]+)")
_SUPPORTED_PROTOCOLS = {"5", "6", "7"}
_rng = random.SystemRandom()


def new_socket_id() -> str:
    """A fresh ``\\d+.\\d+`` socket id; it identifies, it does not authenticate."""
    return f"{_rng.randint(1, 10**10)}.{_rng.randint(1, 10**10)}"


class Refusal(Exception):
    """The connection is refused with a Pusher close code."""

    def __init__(self, code: CloseCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def resolve_app(node: Node, path: str, address: str = "") -> App:
    """The app of a connection URL from ``address``, or :class:`Refusal` with the
    protocol's code."""
    url = urlsplit(path)
    match = _APP_PATH.fullmatch(url.path)
    if match is None:
        raise Refusal(CloseCode.PATH_NOT_FOUND, "path not found")
    protocol = parse_qs(url.query).get("protocol")
    if not protocol:
        raise Refusal(CloseCode.NO_PROTOCOL, "no protocol version supplied")
    if protocol[0] not in _SUPPORTED_PROTOCOLS:
        raise Refusal(CloseCode.UNSUPPORTED_PROTOCOL, "unsupported protocol version")
    app = node.apps.by_key(match.group(1))
    if app is None:
        raise Refusal(CloseCode.APP_NOT_FOUND, f"app key {match.group(1)} not in this cluster")
    if node.draining:
        raise Refusal(CloseCode.RECONNECT, "server shutting down")
    if node.at_capacity():
        raise Refusal(CloseCode.OVER_CAPACITY, "over capacity")
    if node.address_at_capacity(address):
        limit = node.settings.max_connections_per_address
        raise Refusal(CloseCode.OVER_CAPACITY, f"at most {limit} connections per address")
    return app


async def serve_connection(node: Node, ws: ServerConnection) -> None:
    """The handler of one WebSocket connection."""
    headers = ws.request.headers if ws.request else Headers()
    address = client_address(ws.remote_address, headers, node.trusted_proxies)
    try:
        app = resolve_app(node, ws.request.path if ws.request else "", address)
    except Refusal as refusal:
        await ws.send(frames.error_frame(refusal.message, refusal.code).decode())
        await ws.close(refusal.code, refusal.message)
        return
    _forget_handshake(ws)
    settings, now = node.settings, time.monotonic()
    client = Client(
        ws,
        app,
        new_socket_id(),
        now,
        settings.client_events_per_second,
        address=address,
        subscribe_limit=TokenBucket(settings.subscribes_per_second, now, settings.subscribe_burst),
    )
    node.register(client)
    try:
        client.send(frames.connection_established(client.socket_id, node.settings.activity_timeout))
        async for raw in ws:
            client.last_activity = time.monotonic()
            client.pinged = False
            node.metrics.messages_in.inc()
            await handle_frame(node, client, raw)
    except ConnectionClosed:
        pass
    finally:
        node.unregister(client)
        await node.drop_client_subscriptions(client)


def _forget_handshake(ws: ServerConnection) -> None:
    # The handshake's headers are never read again but would stay for the connection's
    # life: dropping them saves a few KiB per idle connection (request must stay non-None).
    if ws.request is not None:
        ws.request.headers = Headers()
    ws.response = None


async def handle_frame(node: Node, client: Client, raw: str | bytes) -> None:
    """Act on one client frame."""
    try:
        frame = frames.decode_client_frame(raw)
    except frames.BadFrame as exc:
        client.send(frames.error_frame(str(exc), ErrorCode.BAD_FRAME))
        return
    event = frame.event
    try:
        if event == "pusher:ping":
            client.send(frames.PONG)
        elif event in ("pusher:subscribe", "pusher:unsubscribe"):
            if not _within_subscribe_rate(node, client):
                return
            if event == "pusher:subscribe":
                await subscribe(node, client, frame.data)
            else:
                await unsubscribe(node, client, frame.data)
        elif event == "pusher:signin":
            signin(node, client, frame.data)
        elif event.startswith("client-"):
            await client_event(node, client, frame)
        elif event != "pusher:pong":
            client.send(frames.error_frame(f"unsupported event {event[:64]}", None))
    except RedisError:
        log.exception("redis failure while handling %s", event)
        client.send(frames.error_frame("temporary server error, retry", None))


def _within_subscribe_rate(node: Node, client: Client) -> bool:
    # Each (un)subscribe is Redis work: a connection flooding them is cut, not queued.
    bucket = client.subscribe_limit
    if bucket is None or bucket.allow(time.monotonic()):
        return True
    if not client.closing:
        message = f"subscribe rate limit exceeded ({node.settings.subscribes_per_second:g}/s)"
        client.send(frames.error_frame(message, CloseCode.SUBSCRIBE_RATE_LIMIT))
        client.close(CloseCode.SUBSCRIBE_RATE_LIMIT, message, node.background)
    return False


def signin(node: Node, client: Client, data: Any) -> None:
    """``pusher:signin``: the connection now belongs to the signed user (once; a bad or
    second sign-in as someone else closes it 4009, as Pusher does)."""
    try:
        user_id = signed_in_user(client.app, client.socket_id, data)
    except SigninRefused as exc:
        _close_unauthorized(node, client, str(exc))
        return
    if client.user_id is not None and client.user_id != user_id:
        _close_unauthorized(node, client, "already signed in as another user")
        return
    client.user_id = user_id
    client.send(frames.signin_success(data["user_data"]))


def _close_unauthorized(node: Node, client: Client, message: str) -> None:
    client.send(frames.error_frame(message, CloseCode.UNAUTHORIZED))
    client.close(CloseCode.UNAUTHORIZED, message, node.background)


async def subscribe(node: Node, client: Client, data: Any) -> None:
    """``pusher:subscribe``: check, register locally and in the cluster, confirm."""
    try:
        request = parse_subscribe(data)
        if request.channel.startswith(SERVER_TO_USER_PREFIX):
            grant = server_to_user_grant(request.channel, client.user_id)
        else:
            grant = authorize(client.app, client.socket_id, request, node.subscription_limits)
    except ValueError as exc:
        client.send(frames.error_frame(str(exc), ErrorCode.BAD_FRAME))
        return
    except SubscriptionRefused as refused:
        client.send(_refusal_frame(refused))
        return
    if grant.channel in client.channels:
        await _confirm_again(node, client, grant)
        return
    if len(client.channels) >= node.settings.max_channels_per_connection:
        limit = node.settings.max_channels_per_connection
        over = SubscriptionRefused(
            grant.channel, "LimitReached", f"at most {limit} channels per connection", 4009
        )
        client.send(_refusal_frame(over))
        return
    client.channels[grant.channel] = grant.member
    # Receive from now on, but hold events until subscription_succeeded has gone out:
    # clients replay what they missed from that moment, so nothing may overtake it.
    client.hold(grant.channel)
    node.hub.add(client, grant.channel)
    try:
        await node.cluster.change_occupancy(client.app.id, grant.channel, 1)
    except RedisError:
        _undo_local_subscription(node, client, grant.channel)
        raise
    if grant.member is None:
        client.release(grant.channel, frames.subscription_succeeded(grant.channel))
        return
    try:
        await _join_presence(node, client, grant)
    except RedisError:
        _undo_local_subscription(node, client, grant.channel)
        with contextlib.suppress(RedisError):
            await node.cluster.change_occupancy(client.app.id, grant.channel, -1)
        raise


def _undo_local_subscription(node: Node, client: Client, channel: str) -> None:
    # The client is told about the failure; it must not keep receiving the channel.
    client.pending.pop(channel, None)
    client.channels.pop(channel, None)
    node.hub.remove(client, channel)


async def _join_presence(node: Node, client: Client, grant: Grant) -> None:
    assert grant.member is not None
    app_id, channel, member = client.app.id, grant.channel, grant.member
    try:
        joined = await node.presence.join(
            app_id,
            channel,
            client.socket_id,
            user_id=member.user_id,
            user_info=member.user_info,
            now_ms=_now_ms(),
        )
    except ChannelFull:
        _undo_local_subscription(node, client, channel)
        await node.cluster.change_occupancy(app_id, channel, -1)
        limit = node.settings.max_presence_members
        refused = SubscriptionRefused(channel, "LimitReached", f"over {limit} members", 4009)
        client.send(_refusal_frame(refused))
        return
    succeeded = frames.subscription_succeeded(channel, frames.presence_data(joined.members))
    client.release(channel, succeeded)
    if joined.first:
        added = frames.member_added(channel, member.user_id, member.user_info)
        await node.publish(app_id, channel, added, exclude=client.socket_id)


async def _confirm_again(node: Node, client: Client, grant: Grant) -> None:
    # A repeated subscribe gets a fresh confirmation and no duplicate membership.
    if grant.kind is not ChannelKind.PRESENCE:
        client.send(frames.subscription_succeeded(grant.channel))
        return
    members = await node.presence.members(client.app.id, grant.channel, _now_ms())
    client.send(frames.subscription_succeeded(grant.channel, frames.presence_data(members)))


async def unsubscribe(node: Node, client: Client, data: Any) -> None:
    """``pusher:unsubscribe``: no reply; presence announces the user's departure if last."""
    channel = data.get("channel") if isinstance(data, dict) else None
    if not isinstance(channel, str) or channel not in client.channels:
        return
    member = client.channels.pop(channel)
    node.hub.remove(client, channel)
    await node.leave_channel(client, channel, member)


async def client_event(node: Node, client: Client, frame: frames.ClientFrame) -> None:
    """A ``client-*`` event: rate-limited, relayed to the channel's other subscribers."""
    if not client.rate_limit.allow(time.monotonic()):
        limit = node.settings.client_events_per_second
        message = f"client event rate limit exceeded ({limit:g}/s)"
        client.send(frames.error_frame(message, ErrorCode.CLIENT_EVENT_RATE_LIMIT))
        return
    subscribed = frame.channel is not None and frame.channel in client.channels
    try:
        event = validate_client_event(frame, subscribed, node.settings.max_event_data_bytes)
    except ClientEventRejected as exc:
        client.send(frames.error_frame(str(exc), None))
        return
    member = client.channels[event.channel]
    user_id = member.user_id if member is not None else None
    payload = frames.event_frame(event.event, event.data, event.channel, user_id)
    await node.publish(client.app.id, event.channel, payload, exclude=client.socket_id)


def _refusal_frame(refused: SubscriptionRefused) -> bytes:
    return frames.subscription_error(
        refused.channel, refused.error_type, refused.message, refused.status
    )


def _now_ms() -> int:
    return int(time.time() * 1000)
