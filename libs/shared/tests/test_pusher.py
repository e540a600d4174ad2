"""Pusher signing helpers against the worked vectors in shared/protocols/pusher-channels.md."""

from __future__ import annotations

import json

import pusher
import pytest

from switchboard_shared.pusher import (
    RequestAuthError,
    body_md5,
    channel_auth,
    request_string_to_sign,
    sign_request,
    user_auth,
    verify_channel_auth,
    verify_request,
    webhook_signature,
)

KEY = "278d425bdf160c739803"
SECRET = "7ad3773142a6692b25b8"
SOCKET = "1234.1234"
TS = 1353088179


def test_private_channel_vector() -> None:
    auth = channel_auth(KEY, SECRET, SOCKET, "private-foobar")
    assert auth == f"{KEY}:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
    assert verify_channel_auth(KEY, SECRET, SOCKET, "private-foobar", auth)
    assert not verify_channel_auth(KEY, SECRET, "1234.1235", "private-foobar", auth)


def test_presence_channel_vectors() -> None:
    compact = '{"user_id":10,"user_info":{"name":"Mr. Channels"}}'
    assert channel_auth(KEY, SECRET, SOCKET, "presence-foobar", compact).endswith(
        "31935e7d86dba64c2a90aed31fdc61869f9b22ba9d8863bba239c03ca481bc80"
    )
    spaced = json.dumps({"user_id": "10", "user_info": {"name": "Mr. Channels"}})
    auth = channel_auth(KEY, SECRET, SOCKET, "presence-foobar", spaced)
    assert auth.endswith("96f61cf0b64a80c5cf1852da9dea2998a90fd7fa840c4cc62212573f1c524cdf")
    assert verify_channel_auth(KEY, SECRET, SOCKET, "presence-foobar", auth, channel_data=spaced)
    assert not verify_channel_auth(
        KEY, SECRET, SOCKET, "presence-foobar", auth, channel_data=compact
    )


def test_user_signin_vector() -> None:
    assert user_auth(KEY, SECRET, SOCKET, '{"id":"12345"}').endswith(
        "4708d583dada6a56435fb8bc611c77c359a31eebde13337c16ab43aa6de336ba"
    )


def test_matches_the_stock_library() -> None:
    client = pusher.Pusher(app_id="3", key=KEY, secret=SECRET)
    data = {"user_id": "10", "user_info": {"name": "x"}}
    theirs = client.authenticate(channel="presence-a", socket_id=SOCKET, custom_data=data)
    assert theirs["auth"] == channel_auth(KEY, SECRET, SOCKET, "presence-a", theirs["channel_data"])


def test_request_signing_worked_example() -> None:
    body = b'{"name":"foo","channels":["project-3"],"data":"{\\"some\\":\\"data\\"}"}'
    assert body_md5(body) == "ec365a775a4cd0599faeb73354201b6f"
    params = sign_request(KEY, SECRET, "POST", "/apps/3/events", body=body, timestamp=TS)
    assert request_string_to_sign("POST", "/apps/3/events", params) == (
        "POST\n/apps/3/events\nauth_key=278d425bdf160c739803&auth_timestamp=1353088179"
        "&auth_version=1.0&body_md5=ec365a775a4cd0599faeb73354201b6f"
    )
    assert (
        params["auth_signature"]
        == "da454824c97ba181a32ccc17a72625ba02771f50b50e1e7430e47a1f3f457e6c"
    )
    verify_request(KEY, SECRET, "POST", "/apps/3/events", params=params, body=body, now=TS + 5)


def test_python_library_get_vector_verifies() -> None:
    params = {
        "auth_key": KEY,
        "auth_timestamp": str(TS),
        "auth_version": "1.0",
        "body_md5": "d41d8cd98f00b204e9800998ecf8427e",
        "filter_by_prefix": "presence-",
        "info": "user_count",
        "auth_signature": "f3f17c61ae491cc9085db68b22076e9b772e3bcb301659d655153ee3f9782aba",
    }
    verify_request(KEY, SECRET, "GET", "/apps/3/channels", params=params, body=b"", now=TS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"auth_key": "other"}, "auth_key"),
        ({"auth_timestamp": str(TS - 601)}, "window"),
        ({"auth_timestamp": "soon"}, "integer"),
        ({"auth_version": "2.0"}, "auth_version"),
        ({"body_md5": "0" * 32}, "body_md5"),
        ({"auth_signature": "0" * 64}, "signature"),
    ],
)
def test_verify_request_rejects(change: dict[str, str], message: str) -> None:
    body = b'{"name":"x"}'
    params = sign_request(KEY, SECRET, "POST", "/apps/3/events", body=body, timestamp=TS) | change
    with pytest.raises(RequestAuthError, match=message):
        verify_request(KEY, SECRET, "POST", "/apps/3/events", params=params, body=body, now=TS)


def test_verify_request_rejects_tampered_body() -> None:
    params = sign_request(KEY, SECRET, "POST", "/apps/3/events", body=b"{}", timestamp=TS)
    with pytest.raises(RequestAuthError):
        verify_request(
            KEY, SECRET, "POST", "/apps/3/events", params=params, body=b'{"a":1}', now=TS
        )


def test_webhook_vector() -> None:
    body = (
        b'{"time_ms":1327078148132,"events":[{"name":"channel_occupied","channel":"my-channel"}]}'
    )
    assert (
        webhook_signature(SECRET, body)
        == "c19001ae3963ccb13bf618e5b16ba9848e7e74df0993aa0689168e341c6833cf"
    )
