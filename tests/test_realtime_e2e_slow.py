"""A deliberately slow client does not delay the others, end to end.

The node-level behaviour (a stalled socket is closed once its send buffer stays over the
limit; a fast client's latency stays low) is covered by
services/realtime/tests/test_lifecycle.py with direct HTTP-API triggers. Here the same
situation runs through the whole path: PATCHes through the REST API at 100 writes/s, the
worker's sequencer and relay, a realtime node with a stalled subscriber (it stops reading;
a tiny receive buffer makes TCP push back; 8 KB events on a channel only it listens to
fill its buffers) next to stock pusher-js clients. The pusher-js clients must receive every
event, no later than issue 4's end-to-end targets (p50 < 50 ms, p99 < 200 ms from PATCH
sent to event received) or than they did without the stalled client, and the node must
drop the stalled one.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pusher
import pytest
from websockets.asyncio.client import ClientConnection, connect

from switchboard_shared.pusher import channel_auth

from realtime_support.cluster import APP_ID, APP_KEY, APP_SECRET, Cluster, Node, cluster
from realtime_support.jsclient import JsClient, ensure_node_modules
from realtime_support.people import Api, Person, harness_config, sign_in_person, unique_name

RATE = 100.0  # writes per second
SECONDS = 5.0  # per phase
LANES = 10  # contacts written in turn, so each one's If-Match chain keeps up
P50_TARGET, P99_TARGET = 0.050, 0.200
FIREHOSE = "private-firehose"  # only the stalled client listens: 8 KB events fill its buffers


@pytest.fixture(scope="module", autouse=True)
def node_modules() -> None:
    ensure_node_modules()


@pytest.fixture
async def isolated() -> AsyncIterator[Cluster]:
    # A small send-buffer limit so the stalled client is over it within the run.
    async with cluster(RT_SEND_BUFFER_LIMIT_BYTES="32768", RT_SLOW_CLIENT_GRACE_SECONDS="1") as c:
        await c.start_api(workers=2)
        yield c


async def stalled_subscriber(node: Node, api: Api) -> ClientConnection:
    """A protocol client on ``private-contacts`` (signed by the API) and ``FIREHOSE``
    (signed here: it is no entity channel), which then never reads again."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", node.port))
    url = f"ws://127.0.0.1:{node.port}/app/{APP_KEY}?protocol=7"
    ws = await connect(url, sock=sock, max_queue=1, compression=None)
    hello = json.loads(await ws.recv())
    socket_id = json.loads(hello["data"])["socket_id"]
    signed = await api.http.post(
        "/api/v1/realtime/auth", data={"socket_id": socket_id, "channel_name": "private-contacts"}
    )
    assert signed.status_code == 200, signed.text
    firehose_auth = channel_auth(APP_KEY, APP_SECRET, socket_id, FIREHOSE)
    for channel, auth in (("private-contacts", signed.json()), (FIREHOSE, {"auth": firehose_auth})):
        subscribe = {"event": "pusher:subscribe", "data": {"channel": channel, **auth}}
        await ws.send(json.dumps(subscribe))
        while "subscription_succeeded" not in (frame := str(await ws.recv())):
            assert "error" not in frame, frame
    return ws  # from here on nobody reads it


def flood(node: Node, stop: threading.Event) -> int:
    """Publish 8 KB events on ``FIREHOSE`` with the stock library until the node has dropped
    a slow client (or ``stop``); how many. Stopping early keeps the flood's own CPU cost
    (this machine has two cores) from slowing the fast clients' measurements."""
    lib = pusher.Pusher(
        app_id=APP_ID, key=APP_KEY, secret=APP_SECRET, host="127.0.0.1", port=node.port, ssl=False
    )
    filler = json.dumps({"pad": "x" * 8000})
    sent = 0
    while not stop.is_set() and asyncio.run(slow_clients_dropped(node)) < 1:
        lib.trigger_batch([{"channel": FIREHOSE, "name": "noise", "data": filler}] * 10)
        sent += 10
        time.sleep(0.02)
    return sent


Sent = dict[tuple[str, int], tuple[float, float]]


async def paced_writes(api: Api, contacts: list[dict[str, Any]]) -> Sent:
    """PATCH ``contacts`` in turn at ``RATE``/s for ``SECONDS``; (id, version) ->
    wall-clock times the PATCH was sent and answered."""
    writes = int(RATE * SECONDS)
    t0 = time.monotonic() + 0.3
    sent: Sent = {}

    async def lane(contact: dict[str, Any], slots: list[float]) -> None:
        for n, slot in enumerate(slots):
            await asyncio.sleep(max(0.0, slot - time.monotonic()))
            at = time.time()
            patched = await api.patch_contact(contact["id"], contact["version"], job_title=f"t{n}")
            contact["version"] = patched["version"]
            sent[(contact["id"], patched["version"])] = (at, time.time())

    slots = [t0 + n / RATE for n in range(writes)]
    await asyncio.gather(*(lane(c, slots[i::LANES]) for i, c in enumerate(contacts)))
    return sent


def latencies(client: JsClient, sent: Sent) -> tuple[list[float], list[float]]:
    """For each write ``client`` received: seconds from PATCH sent to the event, and from
    the PATCH's answer to the event (the pipeline after commit)."""
    total, after_answer = [], []
    for line in client.find(lambda m: m["type"] == "event" and m["event"] == "entity.changed"):
        key = (line["data"]["id"], line["data"]["version"])
        if key in sent:
            arrived = line["t"] / 1000
            total.append(arrived - sent[key][0])
            after_answer.append(arrived - sent[key][1])
    return sorted(total), sorted(after_answer)


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:.1f} ms, p99 {pct(values, 0.99) * 1000:.1f} ms"


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


async def slow_clients_dropped(node: Node) -> float:
    reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    body = (await reader.read()).decode()
    writer.close()
    for line in body.splitlines():
        if line.startswith("realtime_slow_clients_dropped_total "):
            return float(line.split()[1])
    raise AssertionError("realtime_slow_clients_dropped_total is not exposed")


async def phase(
    name: str, api: Api, contacts: list[dict[str, Any]], clients: list[JsClient]
) -> tuple[list[float], list[float]]:
    """One run of paced writes; every client must get every event. The PATCH sent -> event
    and PATCH answered -> event latencies of all clients, sorted."""
    sent = await paced_writes(api, contacts)
    await asyncio.sleep(1.0)  # the tail
    round_trips = sorted(end - start for start, end in sent.values())
    print(f"\n[{name}] {len(sent)} PATCHes at {RATE:.0f}/s, round trip {ms(round_trips)}")
    everyone: list[float] = []
    pipeline: list[float] = []
    for client in clients:
        total, after_answer = latencies(client, sent)
        summary = (
            f"[{name}] {client.name}: {len(total)}/{len(sent)} events; PATCH sent -> event "
            f"{ms(total)}; PATCH answered -> event {ms(after_answer)}"
        )
        print(summary)
        assert len(total) == len(sent), f"{summary}: missed events\n{client.describe()}"
        everyone += total
        pipeline += after_answer
    return sorted(everyone), sorted(pipeline)


async def test_stalled_client_does_not_delay_pusher_js_clients(isolated: Cluster) -> None:
    """Two phases of 500 PATCHes at 100/s: without, then with a stalled subscriber being
    flooded until the node drops it. The fast clients get every event, and their latency in
    the second phase stays within issue 4's targets or, on a machine too loaded to meet
    them at all, near what the first phase measured: the stalled client must not be what
    delays them."""
    c = isolated
    node = await c.start_node()
    worker = await c.start_worker(relay_to=node)
    await c.wait_relay_active(worker)
    people: list[Person] = [
        await sign_in_person(c.api_url, c.users, c.settings, "agent") for _ in range(3)
    ]
    clients: list[JsClient] = []
    stop = threading.Event()
    try:
        for i, person in enumerate(people[1:]):
            config = harness_config(
                c.api_url, APP_KEY, person, ["private-contacts"], ws=("127.0.0.1", node.port)
            )
            client = await JsClient.start(f"fast-{i}", config)
            await client.subscribed("private-contacts")
            clients.append(client)
        async with Api(c.api_url, people[0]) as api:
            contacts = [await api.create_contact(unique_name("slow")) for _ in range(LANES)]
            baseline, baseline_pipeline = await phase("baseline", api, contacts, clients)
            stalled = await stalled_subscriber(node, api)
            flooding = asyncio.create_task(asyncio.to_thread(flood, node, stop))
            loaded, loaded_pipeline = await phase("stalled client", api, contacts, clients)
            stop.set()
            noise = await flooding
            retried = api.retried
        dropped = await slow_clients_dropped(node)
        print(
            f"{noise} firehose events to the stalled client; slow clients dropped: "
            f"{dropped:.0f}; writes retried after 503: {retried}\n"
            f"all fast clients, PATCH sent -> event: baseline {ms(baseline)}; with the stalled "
            f"client {ms(loaded)} (targets p50 < {P50_TARGET * 1000:.0f} ms, "
            f"p99 < {P99_TARGET * 1000:.0f} ms)\n"
            f"PATCH answered -> event: baseline {ms(baseline_pipeline)}; with the stalled "
            f"client {ms(loaded_pipeline)}"
        )
        assert dropped >= 1, "the stalled client was never dropped: it was not slow enough"
        # Compared on the part after the PATCH's answer (sequencer, relay, node, client), with
        # room for a busy machine. A node that waited on the stalled socket would hold every
        # fast client back for the slow-client grace (1 s) or until the drop.
        for q, target in ((0.5, P50_TARGET), (0.99, P99_TARGET)):
            bound = max(target, 3 * pct(baseline_pipeline, q) + 0.1)
            assert pct(loaded_pipeline, q) < bound, (q, pct(loaded_pipeline, q), bound)
        stalled.transport.abort()
    finally:
        stop.set()
        for client in clients:
            await client.close()
