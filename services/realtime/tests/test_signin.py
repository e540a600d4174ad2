"""User sign-in (``pusher:signin``) and ``terminate_connections`` through the signed HTTP API."""

from __future__ import annotations

import asyncio
import json

from switchboard_shared.pusher import user_auth

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import (
    KEY,
    NodeProcess,
    StartNode,
    close_code,
    sign_in,
)


async def test_signin_success_and_the_users_own_channel(node: NodeProcess) -> None:
    sock = await PusherSocket.connect(node.ws_url())
    reply = await sign_in(sock, "u-1")
    assert reply["event"] == "pusher:signin_success"
    assert decode_data(reply) == {"user_data": json.dumps({"id": "u-1"})}
    # pusher-js then subscribes to #server-to-user-{id} with an empty auth.
    own = await sock.subscribe("#server-to-user-u-1", auth="")
    assert own["event"] == "pusher_internal:subscription_succeeded"
    other = await sock.subscribe("#server-to-user-u-2", auth="")
    assert other["event"] == "pusher:subscription_error"
    assert decode_data(other)["status"] == 403
    await sock.close()


async def test_server_to_user_channel_needs_a_signin(node: NodeProcess) -> None:
    sock = await PusherSocket.connect(node.ws_url())
    refused = await sock.subscribe("#server-to-user-u-1", auth="")
    assert refused["event"] == "pusher:subscription_error"
    await sock.close()


async def test_bad_signin_signature_closes_4009(node: NodeProcess) -> None:
    sock = await PusherSocket.connect(node.ws_url())
    user_data = json.dumps({"id": "u-1"})
    forged = user_auth(KEY, "not-the-secret", sock.socket_id, user_data)
    await sock.send("pusher:signin", {"auth": forged, "user_data": user_data})
    error = await sock.expect("pusher:error")
    assert error["data"]["code"] == 4009
    assert await close_code(sock) == 4009


async def test_signin_without_an_id_closes_4009(node: NodeProcess) -> None:
    sock = await PusherSocket.connect(node.ws_url())
    user_data = json.dumps({"name": "no id"})
    auth = user_auth(KEY, "test-secret", sock.socket_id, user_data)
    await sock.send("pusher:signin", {"auth": auth, "user_data": user_data})
    assert await close_code(sock) == 4009


async def test_terminate_closes_only_that_users_connections_on_every_node(
    start: StartNode,
) -> None:
    one, two = await start(), await start()
    alice_here = await PusherSocket.connect(one.ws_url())
    alice_there = await PusherSocket.connect(two.ws_url())
    bob = await PusherSocket.connect(one.ws_url())
    anonymous = await PusherSocket.connect(two.ws_url())
    for sock, user in ((alice_here, "alice"), (alice_there, "alice"), (bob, "bob")):
        assert (await sign_in(sock, user))["event"] == "pusher:signin_success"
    await alice_there.subscribe("private-x")

    # The stock library posts /users/{id}/terminate_connections (signed, no /apps prefix).
    result = await asyncio.to_thread(one.pusher().terminate_user_connections, "alice")
    assert result == {}
    codes = await asyncio.gather(close_code(alice_here), close_code(alice_there))
    assert codes == [4009, 4009]  # pusher-js does not reconnect after 4009
    for survivor in (bob, anonymous):
        await survivor.send("pusher:ping")
        await survivor.expect("pusher:pong")
    await asyncio.gather(bob.close(), anonymous.close())


async def test_unsigned_connection_is_closed_after_the_signin_timeout(start: StartNode) -> None:
    node = await start(signin_timeout_seconds=1)
    signed = await PusherSocket.connect(node.ws_url())
    await sign_in(signed, "u-1")
    idle = await PusherSocket.connect(node.ws_url())
    assert await close_code(idle, wait=5) == 4009
    await signed.send("pusher:ping")
    await signed.expect("pusher:pong")
    await signed.close()
