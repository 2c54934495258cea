"""Event-stream frames as botocore's own parser (EventStreamBuffer, EventStream) reads them."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import EventStreamError

from gateway.api.bedrock_errors import exception_frame
from gateway.errors import GatewayTimeout, InternalError, InvalidRequest, RateLimited, UpstreamError
from gateway.translate import eventstream
from tests.support.bedrock import event_stream, parse_events


def _parse(operation: str, chunks: list[bytes]) -> list[dict[str, Any]]:
    return parse_events(operation, chunks)


def test_a_frame_has_the_prelude_headers_payload_and_crcs_botocore_expects() -> None:
    frame = eventstream.event("messageStop", {"stopReason": "end_turn"})

    total, headers_length = struct.unpack(">II", frame[:8])
    assert total == len(frame)
    assert struct.unpack(">I", frame[8:12])[0] == zlib.crc32(frame[:8])
    assert struct.unpack(">I", frame[-4:])[0] == zlib.crc32(frame[:-4])
    assert frame[12 + headers_length : -4] == b'{"stopReason":"end_turn"}'

    buffer = EventStreamBuffer()
    buffer.add_data(frame)
    (message,) = list(buffer)
    assert message.headers == {
        ":event-type": "messageStop",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert message.payload == b'{"stopReason":"end_turn"}'


def test_frames_split_anywhere_are_reassembled() -> None:
    data = b"".join(
        eventstream.event("contentBlockDelta", {"delta": {"text": f"piece {i} é"}, "contentBlockIndex": 0})
        for i in range(5)
    )
    buffer = EventStreamBuffer()
    messages = []
    for i in range(0, len(data), 7):  # seven bytes at a time: prelude, headers and payloads all cut
        buffer.add_data(data[i : i + 7])
        messages.extend(buffer)

    assert [m.payload for m in messages] == [
        ('{"delta":{"text":"piece ' + str(i) + ' é"},"contentBlockIndex":0}').encode() for i in range(5)
    ]


def test_a_corrupted_frame_fails_botocores_checksum() -> None:
    frame = bytearray(eventstream.event("messageStart", {"role": "assistant"}))
    frame[-6] ^= 0xFF
    buffer = EventStreamBuffer()
    buffer.add_data(bytes(frame))

    with pytest.raises(ChecksumMismatch):
        list(buffer)


def test_converse_stream_events_parse_into_botocores_shapes() -> None:
    frames = [
        eventstream.event("messageStart", {"role": "assistant"}),
        eventstream.event("contentBlockDelta", {"delta": {"text": "Hi"}, "contentBlockIndex": 0}),
        eventstream.event("contentBlockStop", {"contentBlockIndex": 0}),
        eventstream.event(
            "contentBlockStart",
            {"start": {"toolUse": {"toolUseId": "t1", "name": "f"}}, "contentBlockIndex": 1},
        ),
        eventstream.event("contentBlockDelta", {"delta": {"toolUse": {"input": '{"a":'}}, "contentBlockIndex": 1}),
        eventstream.event("messageStop", {"stopReason": "tool_use"}),
        eventstream.event(
            "metadata",
            {"usage": {"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}, "metrics": {"latencyMs": 12}},
        ),
    ]

    events = _parse("ConverseStream", frames)

    assert events[0] == {"messageStart": {"role": "assistant"}}
    assert events[1] == {"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}
    assert events[3]["contentBlockStart"]["start"]["toolUse"] == {"toolUseId": "t1", "name": "f"}
    assert events[4]["contentBlockDelta"]["delta"]["toolUse"]["input"] == '{"a":'
    assert events[6]["metadata"]["usage"]["totalTokens"] == 5
    assert events[6]["metadata"]["metrics"]["latencyMs"] == 12


def test_a_stream_that_fails_in_the_middle_raises_in_botocore_after_the_events_before() -> None:
    frames = [
        eventstream.event("messageStart", {"role": "assistant"}),
        eventstream.event("contentBlockDelta", {"delta": {"text": "Hel"}, "contentBlockIndex": 0}),
        exception_frame(UpstreamError("the upstream dropped the stream"), timeout_member=False),
    ]
    stream = iter(event_stream("ConverseStream", frames))

    assert next(stream) == {"messageStart": {"role": "assistant"}}
    assert next(stream)["contentBlockDelta"]["delta"]["text"] == "Hel"
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    assert caught.value.response["Error"] == {
        "Code": "modelStreamErrorException",
        "Message": "the upstream dropped the stream",
    }


@pytest.mark.parametrize(
    ("error", "converse_code", "invoke_code"),
    [
        (RateLimited("slow down"), "throttlingException", "throttlingException"),
        (InvalidRequest("bad"), "validationException", "validationException"),
        (GatewayTimeout("too slow"), "modelStreamErrorException", "modelTimeoutException"),
        (UpstreamError("broke"), "modelStreamErrorException", "modelStreamErrorException"),
        (InternalError("oops"), "internalServerException", "internalServerException"),
    ],
)
def test_exception_frames_name_a_member_of_each_streams_union(
    error: Exception, converse_code: str, invoke_code: str
) -> None:
    assert isinstance(error, InternalError | RateLimited | InvalidRequest | GatewayTimeout | UpstreamError)
    for operation, timeout_member, code in (
        ("ConverseStream", False, converse_code),
        ("InvokeModelWithResponseStream", True, invoke_code),
    ):
        with pytest.raises(EventStreamError) as caught:
            _parse(operation, [exception_frame(error, timeout_member=timeout_member)])
        assert caught.value.response["Error"]["Code"] == code
        assert caught.value.response["Error"]["Message"] == error.message


def test_invoke_stream_chunks_carry_base64_bytes_that_botocore_decodes() -> None:
    import base64

    frame = eventstream.event("chunk", {"bytes": base64.b64encode(b'{"generation":"hi"}').decode()})

    assert _parse("InvokeModelWithResponseStream", [frame]) == [{"chunk": {"bytes": b'{"generation":"hi"}'}}]
