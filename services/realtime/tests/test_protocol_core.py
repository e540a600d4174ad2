"""The protocol core without I/O: names, frames, signatures, bodies, bus and WS framing."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from websockets.frames import Frame, Opcode

from switchboard_realtime.apps import App, AppRegistry
from switchboard_realtime.bus import BusMessage, decode_bus_message
from switchboard_realtime.protocol import frames
from switchboard_realtime.protocol.channels import (
    ChannelKind,
    InvalidChannelName,
    channel_kind,
    validate_channel_name,
)
from switchboard_realtime.protocol.client_events import (
    ClientEventRejected,
    TokenBucket,
    validate_client_event,
)
from switchboard_realtime.protocol.publish import (
    BadRequest,
    PublishLimits,
    TooLarge,
    parse_batch_body,
    parse_events_body,
)
from switchboard_realtime.protocol.subscriptions import (
    SubscribeRequest,
    SubscriptionLimits,
    SubscriptionRefused,
    authorize,
)
from switchboard_realtime.settings import RealtimeSettings
from switchboard_realtime.wsframe import text_frame
from switchboard_shared.pusher import channel_auth

APP = App("3", "278d425bdf160c739803", "7ad3773142a6692b25b8")
LIMITS = SubscriptionLimits(max_channel_name_length=164, max_user_info_bytes=1024)
PUBLISH = PublishLimits(164, 10_240, 100, 10)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("orders", ChannelKind.PUBLIC),
        ("private-contact.1", ChannelKind.PRIVATE),
        ("private-encrypted-x", ChannelKind.ENCRYPTED),
        ("presence-room.1", ChannelKind.PRESENCE),
    ],
)
def test_channel_kinds(name: str, kind: ChannelKind) -> None:
    assert channel_kind(validate_channel_name(name, 164)) is kind


@pytest.mark.parametrize("name", ["", "a b", "#server-to-user-1", "é", None, 5])
def test_invalid_channel_names(name: object) -> None:
    with pytest.raises(InvalidChannelName):
        validate_channel_name(name, 164)


def test_reference_presence_vector_is_accepted() -> None:
    # shared/protocols/pusher-channels.md section 8, recomputed value.
    data = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    auth = f"{APP.key}:31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
    grant = authorize(APP, "1234.1234", SubscribeRequest("presence-foobar", auth, data), LIMITS)
    assert grant.member is not None
    assert grant.member.user_id == "10"  # numeric ids become strings
    assert json.loads(grant.member.user_info) == {"name": "Mr. Channels"}


def test_reference_private_vector_is_accepted() -> None:
    auth = f"{APP.key}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
    grant = authorize(APP, "1234.1234", SubscribeRequest("private-foobar", auth, None), LIMITS)
    assert grant.kind is ChannelKind.PRIVATE


def test_presence_channel_data_is_verified_raw() -> None:
    signed = json.dumps({"user_id": "1", "user_info": {}})
    auth = channel_auth(APP.key, APP.secret, "1.1", "presence-a", signed)
    reserialised = json.dumps(json.loads(signed), separators=(",", ":"))
    with pytest.raises(SubscriptionRefused):
        authorize(APP, "1.1", SubscribeRequest("presence-a", auth, reserialised), LIMITS)


def test_user_info_limit() -> None:
    data = json.dumps({"user_id": "1", "user_info": {"x": "y" * 2000}})
    auth = channel_auth(APP.key, APP.secret, "1.1", "presence-a", data)
    with pytest.raises(SubscriptionRefused) as refused:
        authorize(APP, "1.1", SubscribeRequest("presence-a", auth, data), LIMITS)
    assert refused.value.error_type == "LimitReached"


def test_server_frames_double_encode_data() -> None:
    frame = json.loads(frames.connection_established("1.2", 120))
    assert json.loads(frame["data"]) == {"socket_id": "1.2", "activity_timeout": 120}
    error = json.loads(frames.error_frame("nope", 4001))
    assert error == {"event": "pusher:error", "data": {"message": "nope", "code": 4001}}
    added = json.loads(frames.member_added("presence-a", "7", b'{"name": "A"}'))
    assert json.loads(added["data"]) == {"user_id": "7", "user_info": {"name": "A"}}


def test_token_bucket() -> None:
    bucket = TokenBucket(10, now=0.0)
    assert sum(bucket.allow(0.0) for _ in range(20)) == 10
    assert bucket.allow(0.05) is False
    assert bucket.allow(0.1) is True


def test_client_event_rules() -> None:
    frame = frames.decode_client_frame('{"event":"client-x","channel":"private-a","data":{"a":1}}')
    event = validate_client_event(frame, subscribed=True, max_data_bytes=100)
    assert json.loads(event.data) == {"a": 1}
    with pytest.raises(ClientEventRejected):
        validate_client_event(frame, subscribed=False, max_data_bytes=100)
    public = frames.decode_client_frame('{"event":"client-x","channel":"a","data":{}}')
    with pytest.raises(ClientEventRejected):
        validate_client_event(public, subscribed=True, max_data_bytes=100)


@pytest.mark.parametrize("raw", ["", "[]", '{"data":1}', '{"event":5}', "{"])
def test_bad_client_frames(raw: str) -> None:
    with pytest.raises(frames.BadFrame):
        frames.decode_client_frame(raw)


def test_events_body() -> None:
    body = b'{"name": "foo", "channels": ["a", "b"], "data": "{\\"x\\": 1}", "socket_id": "1.2"}'
    publications = parse_events_body(body, PUBLISH)
    assert [p.channel for p in publications] == ["a", "b"]
    assert publications[0].data == '{"x": 1}'
    assert publications[0].exclude == "1.2"
    with pytest.raises(TooLarge):
        parse_events_body(
            json.dumps({"name": "n", "channel": "a", "data": "x" * 10_241}).encode(), PUBLISH
        )
    with pytest.raises(BadRequest):
        parse_batch_body(
            json.dumps({"batch": [{"name": "n", "channel": "a", "data": ""}] * 11}).encode(),
            PUBLISH,
        )


def test_bus_message_round_trip() -> None:
    message = BusMessage("node1", "3", "presence-a", None, 1234.5, b'{"a":"\\u0000x"}')
    assert decode_bus_message(message.encode()) == message
    with pytest.raises(ValueError):  # noqa: PT011
        decode_bus_message(b"garbage")


@pytest.mark.parametrize("size", [0, 125, 126, 65_535, 65_536, 200_000])
def test_text_frame_matches_websockets(size: int) -> None:
    payload = b"x" * size
    expected = Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])
    assert text_frame(payload) == expected


def test_apps_from_json() -> None:
    settings = RealtimeSettings(
        apps_json=SecretStr(
            '[{"id":"1","key":"k1","secret":"s1"},{"id":"2","key":"k2","secret":"s2"}]'
        )
    )
    apps = AppRegistry.from_settings(settings)
    assert apps.by_key("k2") == App("2", "k2", "s2")
    assert apps.by_id("1") == App("1", "k1", "s1")
    with pytest.raises(ValueError):  # noqa: PT011
        AppRegistry([App("1", "k", "s"), App("1", "k2", "s")])
