"""Mango signing against every vector of shared/protocols/mango-vpbx.md §1."""

from __future__ import annotations

import json

import pytest

from switchboard_shared.mango import (
    BadSignatureError,
    CallbackCommand,
    CallbackFrom,
    CallEvent,
    CallParty,
    CallState,
    Location,
    MissingFieldError,
    ResultCode,
    UnknownKeyError,
    build_form,
    decode_payload,
    encode_json,
    parse_form,
    sign,
    sign_recording_link,
    verify,
    verify_form,
)

KEY = "k3y-ExampleVpbx0001"
SALT = "s4lt-ExampleVpbx0001"
CALLBACK_JSON = '{"command_id":"cmd-42","from":{"extension":"101"},"to_number":"79161234567"}'
WEBHOOK_JSON = (
    '{"entry_id":"RW50cnkx","call_id":"Q2FsbDE=","timestamp":1735689600,"seq":1,'
    '"call_state":"Appeared","location":"abonent","from":{"number":"79161234567"},'
    '"to":{"extension":"101","number":"sip:101@example.mangosip.ru","line_number":"74951234567"}}'
)

VECTORS = [
    (KEY, SALT, CALLBACK_JSON, "913d519158f570cc8f6ab583a7a64bc5bbfa4d01cee7f806d6d005c9a3ebde58"),
    (
        KEY,
        SALT,
        '{"command_id": "cmd-42", "from": {"extension": "101"}, "to_number": "79161234567"}',
        "d154f60f668b6dd978b1ccb78e5b99f2fd95083814c66c573cdaea15d087c589",
    ),
    (
        KEY,
        SALT,
        '{"name":"Иван"}',
        "30afaec98cd051eb6e751d204edf13c53a005a572f55244d4661a45cefc6814a",
    ),
    (KEY, SALT, WEBHOOK_JSON, "aade93b6b3762f7e48a1a55b8e0d763518a2864b52814aa86ba9d6b164b03092"),
    (
        "<YOUR_API_KEY>",
        "<YOUR_API_SALT>",
        '{"command_id":"your-command-id","from":{"extension":"<extension>","number":""},'
        '"to_number":"<to_number>"}',
        "afdeb462cd5e0e422a9c9220390124608df06a4472cb1add6ebd6e24184bd15a",
    ),
    (
        "<YOUR_API_KEY>",
        "<YOUR_API_SALT>",
        '{"command_id":"your-command-id","call_id":"<CALL_ID>"}',
        "2d1d01246f52cec1fdb44f2a4d7091dc54f67e318369c0628201d66b5d336ef0",
    ),
]


@pytest.mark.parametrize(("key", "salt", "json_text", "expected"), VECTORS)
def test_sign_matches_reference_vectors(key: str, salt: str, json_text: str, expected: str) -> None:
    assert sign(key, json_text, salt) == expected
    assert sign(key, json_text.encode("utf-8"), salt) == expected
    assert verify(key, json_text, salt, expected)
    assert verify(key, json_text, salt, expected.upper())


@pytest.mark.parametrize(("key", "salt", "json_text", "expected"), VECTORS)
def test_verify_rejects_any_change(key: str, salt: str, json_text: str, expected: str) -> None:
    assert not verify(key, json_text + " ", salt, expected)
    assert not verify(key + "x", json_text, salt, expected)
    assert not verify(key, json_text, salt + "x", expected)
    assert not verify(key, json_text, salt, expected[:-1] + ("0" if expected[-1] != "0" else "1"))
    assert not verify(key, json_text, salt, "")


def test_recording_link_vector() -> None:
    expected = "fcba664f727f1eb0197f0713854fa003b4aa7f23bc4b73c8d91502dc3191c6b9"
    assert sign_recording_link(KEY, 1735693200, "UmVjMQ==", SALT) == expected
    assert sign_recording_link(KEY, "1735693200", "UmVjMQ==", SALT) == expected


def test_spacing_matters_so_default_json_dumps_differs() -> None:
    obj = json.loads(CALLBACK_JSON)
    assert sign(KEY, json.dumps(obj), SALT) == VECTORS[1][3]
    assert sign(KEY, json.dumps(obj), SALT) != VECTORS[0][3]


def test_structs_encode_to_the_signed_bytes() -> None:
    command = CallbackCommand(
        command_id="cmd-42", from_=CallbackFrom(extension="101"), to_number="79161234567"
    )
    assert encode_json(command) == CALLBACK_JSON
    assert build_form(KEY, SALT, command).sign == VECTORS[0][3]
    event = CallEvent(
        entry_id="RW50cnkx",
        call_id="Q2FsbDE=",
        timestamp=1735689600,
        seq=1,
        call_state=CallState.APPEARED,
        location=Location.ABONENT,
        from_=CallParty(number="79161234567"),
        to=CallParty(
            extension="101", number="sip:101@example.mangosip.ru", line_number="74951234567"
        ),
    )
    assert encode_json(event) == WEBHOOK_JSON
    assert build_form(KEY, SALT, event).sign == VECTORS[3][3]


def test_utf8_is_sent_raw_not_escaped() -> None:
    form = build_form(KEY, SALT, {"name": "Иван"})
    assert form.json == '{"name":"Иван"}'
    assert form.sign == VECTORS[2][3]


def test_form_round_trip_through_urlencoding() -> None:
    form = build_form(KEY, SALT, {"name": "Иван", "q": "a&b=c+d"})
    parsed = parse_form(form.urlencoded())
    assert parsed == form
    assert verify_form(parsed, KEY, SALT) == form.json
    assert parse_form(form.as_fields()) == form


def test_verify_form_names_the_failure() -> None:
    form = build_form(KEY, SALT, {"a": 1})
    with pytest.raises(UnknownKeyError) as unknown:
        verify_form(form, "other-key", SALT)
    assert unknown.value.code == ResultCode.WRONG_ACCESS_KEY
    tampered = parse_form({**form.as_fields(), "json": '{"a":2}'})
    with pytest.raises(BadSignatureError) as bad:
        verify_form(tampered, KEY, SALT)
    assert bad.value.code == ResultCode.SIGN_MISMATCH


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"vpbx_api_key": KEY, "sign": "x"},
        {"vpbx_api_key": KEY, "sign": "", "json": "{}"},
        b"vpbx_api_key=k&json=%7B%7D",
    ],
)
def test_parse_form_requires_all_three_fields(fields: dict[str, str] | bytes) -> None:
    with pytest.raises(MissingFieldError) as missing:
        parse_form(fields)
    assert missing.value.code == ResultCode.PARAMETER_MISSING


def test_decoded_webhook_vector_round_trips() -> None:
    event = decode_payload(WEBHOOK_JSON, CallEvent)
    assert event.from_.number == "79161234567"
    assert event.to.extension == "101"
    assert encode_json(event) == WEBHOOK_JSON
