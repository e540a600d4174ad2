"""The realtime cluster on a Redis Cluster: the fan-out is sharded pub/sub spread over
every master (the tests of test_cluster.py run on a Redis Cluster too)."""

from __future__ import annotations

import asyncio

import pytest
import redis

from switchboard_realtime.keys import BUS_SHARDS

from realtime_support.pusher_socket import PusherSocket, decode_data
from realtime_testkit import StartNode, sync_client


@pytest.fixture
def redis_url(redis_cluster_url: str) -> str:
    return redis_cluster_url


async def test_on_a_cluster_the_fan_out_is_spread_over_every_master(
    start: StartNode, redis_url: str, redis_prefix: str
) -> None:
    """Sharded pub/sub: each node SSUBSCRIBEs every bus shard, the shards live on all three
    masters, and a publish reaches the other node without classic pub/sub."""
    one = await start()
    two = await start()
    client = sync_client(redis_url)
    assert isinstance(client, redis.RedisCluster)
    per_master: dict[str, set[str]] = {}
    for master in client.get_primaries():
        reply = client.execute_command(
            "PUBSUB SHARDCHANNELS", f"{redis_prefix}:bus:*", target_nodes=master
        )
        per_master[master.name] = {c.decode() for c in reply}
        assert not client.execute_command(
            "PUBSUB CHANNELS", f"{redis_prefix}*", target_nodes=master
        )
    assert len(per_master) == 3
    assert all(per_master.values()), per_master
    shards = set().union(*per_master.values())
    assert len(shards) == BUS_SHARDS
    for shard in shards:
        master = client.get_node_from_key(shard)
        counts = client.pubsub_shardnumsub(shard, target_nodes=master)
        assert [(name.decode(), n) for name, n in counts] == [(shard, 2)]  # both nodes listen
    client.close()

    here = await PusherSocket.connect(one.ws_url())
    there = await PusherSocket.connect(two.ws_url())
    for n in range(8):  # channels hashed to several shards
        await here.subscribe(f"private-c{n}")
        await there.subscribe(f"private-c{n}")
        await asyncio.to_thread(one.pusher().trigger, f"private-c{n}", "ping", {"n": n})
        for socket in (here, there):
            assert decode_data(await socket.expect("ping")) == {"n": n}
    await asyncio.gather(here.close(), there.close())
