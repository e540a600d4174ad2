"""Mango payload structs decode the reference's examples and encode compactly."""

from __future__ import annotations

import pytest

from switchboard_shared.mango import (
    BwNumberAdd,
    BwNumbersReply,
    BwStateReply,
    CallDirection,
    CallEvent,
    CallState,
    CommandResult,
    IncomingLinesReply,
    Location,
    MemberCreate,
    MemberNumber,
    MemberUpdate,
    PayloadError,
    RecordAddedEvent,
    RecordingEvent,
    RecordingLinkQuery,
    RecordingState,
    ResultCode,
    SummaryEvent,
    UsersReply,
    decode_payload,
    encode_json,
)

USERS_REPLY = """{"users":[{"general":{"name":"Ivan","email":"i@x.ru","department":"IT",
"position":"dev","user_id":300052407,"access_role_id":10454,"mobile":null,"login":null,
"use_status":0,"use_cc_numbers":0,"sips":[{"number":"a@x.mangosip.ru"}]},
"telephony":{"extension":"1234","outgoingline":"749512345678",
"numbers":[{"number":"sip:ivan@d.mangosip.ru","protocol":"sip","order":"0","wait_sec":"12",
"status":"on","schedule":[]},{"number":"74952223311","number_normalized":"74952223311",
"protocol":"tel","order":"1","wait_sec":"5","status":"on"}],
"dial_alg":1,"line_id":300049195,"trunk_number_id":null},"groups":[10048964]}]}"""


def test_users_reply_example_decodes_with_string_numbers() -> None:
    reply = decode_payload(USERS_REPLY, UsersReply)
    user = reply.users[0]
    assert user.general.user_id == 300052407
    assert user.general.mobile is None
    assert user.telephony.extension == "1234"
    assert [n.wait_sec for n in user.telephony.numbers] == [12, 5]
    assert [n.order for n in user.telephony.numbers] == [0, 1]
    assert user.groups == [10048964]


def test_integer_extensions_and_string_counters_are_accepted() -> None:
    old_style = (
        '{"entry_id":"E","call_id":"C","timestamp":"1735725600","seq":"2",'
        '"call_state":"Connected","location":"abonent","from":{"number":79161234567},'
        '"to":{"extension":29,"acd_group":7}}'
    )
    event = decode_payload(old_style, CallEvent)
    assert event.timestamp == 1735725600
    assert event.seq == 2
    assert event.from_.number == "79161234567"
    assert event.to.extension == "29"
    assert event.to.acd_group == "7"
    assert event.call_state is CallState.CONNECTED


def test_reference_sequence_rows_decode() -> None:
    summary = decode_payload(
        '{"entry_id":"E1","call_direction":1,"from":{"number":"79161234567"},'
        '"to":{"extension":"101","number":"sip:user101@acme.mangosip.ru"},'
        '"line_number":"74951234567","create_time":1735725600,"forward_time":1735725606,'
        '"talk_time":1735725612,"end_time":1735725695,"entry_result":1,"disconnect_reason":1110}',
        SummaryEvent,
    )
    assert summary.call_direction is CallDirection.INBOUND
    assert summary.answered
    recording = decode_payload(
        '{"recording_id":"R1","recording_state":"Completed","seq":2,"entry_id":"E1",'
        '"call_id":"C2","extension":"101","timestamp":1735725695,"completion_code":1000,'
        '"recipient":"Cloud"}',
        RecordingEvent,
    )
    assert recording.recording_state is RecordingState.COMPLETED
    added_json = (
        '{"entry_id":"NTAwOTQxMTAyMg==","product_id":300022532,"user_id":300049012,'
        '"timestamp":1578664187,"recording_id":"MToxMDAwNjA4NTo1MDA5NDExMDIyOjE="}'
    )
    added = decode_payload(added_json, RecordAddedEvent)
    assert added.user_id == 300049012
    assert encode_json(added) == added_json
    result = decode_payload('{"command_id":"cmd-42","result":1000}', CommandResult)
    assert ResultCode.is_success(result.result)


def test_missed_summary_with_talk_tie_breaker() -> None:
    summary = decode_payload(
        '{"entry_id":"E","call_direction":1,"from":{},"to":{"extension":"101"},'
        '"create_time":1,"forward_time":0,"talk_time":0,"end_time":5,"entry_result":1,'
        '"disconnect_reason":1110}',
        SummaryEvent,
    )
    assert not summary.answered


def test_lines_and_lists_examples_decode() -> None:
    lines = decode_payload(
        '{"result":1000,"lines":[{"line_id":300024487,"number":"78124072916","name":null,'
        '"comment":null,"region":"2","schema_id":10000008,"schema_name":"По умолчанию"}]}',
        IncomingLinesReply,
    )
    assert lines.lines[0].number == "78124072916"
    state = decode_payload('{"result":1000,"active":"black"}', BwStateReply)
    assert state.active == "black"
    numbers_json = (
        '{"result":1000,"data":{"active":"black","black":{"allow_unknown_number":true,'
        '"numbers":[{"number_id":10088581,"number":"1111","comment":"","number_type":"tel"}]},'
        '"white":{"allow_unknown_number":false,"numbers":[]}}}'
    )
    numbers = decode_payload(numbers_json, BwNumbersReply)
    assert encode_json(numbers) == numbers_json
    assert numbers.data.black.numbers[0].number_id == 10088581
    assert numbers.data.white.numbers == []


def test_commands_encode_without_absent_fields() -> None:
    assert (
        encode_json(BwNumberAdd(list_type="black", number="7916*", comment="spam"))
        == '{"list_type":"black","number":"7916*","comment":"spam"}'
    )
    assert (
        encode_json(RecordingLinkQuery(recording_id="R1", action="download"))
        == '{"recording_id":"R1","action":"download"}'
    )
    create = MemberCreate(
        name="Олег",
        access_role_id=1,
        extension="105",
        numbers=[MemberNumber(number="sip:user105@acme.mangosip.ru", protocol="sip")],
    )
    assert encode_json(create) == (
        '{"numbers":[{"number":"sip:user105@acme.mangosip.ru","protocol":"sip"}],'
        '"name":"Олег","access_role_id":1,"extension":"105"}'
    )
    assert encode_json(MemberUpdate(user_id=7, outgoingline="")) == (
        '{"user_id":7,"outgoingline":""}'
    )


def test_unknown_fields_are_ignored() -> None:
    event = decode_payload(
        '{"entry_id":"E","call_id":"C","timestamp":1,"seq":1,"call_state":"Appeared",'
        '"location":"ivr","from":{"number":"1","brand_new":1},"to":{},"dct":{"type":0}}',
        CallEvent,
    )
    assert event.location is Location.IVR


@pytest.mark.parametrize(
    ("json_text", "code"),
    [
        ("not json", ResultCode.INVALID_JSON),
        ('{"command_id":"c"}', ResultCode.PARAMETER_MISSING),
        ('{"command_id":"c","result":"abc"}', ResultCode.PARAMETER_WRONG_FORMAT),
        ('{"command_id":["c"],"result":1000}', ResultCode.PARAMETER_WRONG_FORMAT),
        ("[]", ResultCode.PARAMETER_WRONG_FORMAT),
    ],
)
def test_bad_payloads_raise_with_a_mango_code(json_text: str, code: ResultCode) -> None:
    with pytest.raises(PayloadError) as error:
        decode_payload(json_text, CommandResult)
    assert error.value.code == code


def test_unknown_call_state_is_a_format_error() -> None:
    with pytest.raises(PayloadError):
        decode_payload(
            '{"entry_id":"E","call_id":"C","timestamp":1,"seq":1,"call_state":"Exploded",'
            '"location":"ivr","from":{},"to":{}}',
            CallEvent,
        )
