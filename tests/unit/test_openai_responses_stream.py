"""Chat chunks to Responses API events, each validated by the openai SDK's own event types and fed
to the SDK's own stream accumulator (what ``client.responses.stream()`` runs)."""

from __future__ import annotations

from typing import Any

import orjson
from openai import omit
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from gateway.schemas.responses import ResponsesRequest
from gateway.translate.openai_responses_output import skeleton
from gateway.translate.openai_responses_stream import ResponseEvents
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta, ToolCallDelta, Usage

EVENT: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
USAGE = Usage(prompt_tokens=4, completion_tokens=2, total_tokens=6)


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, usage: Usage | None = None
) -> ChatCompletionChunk:
    choices = [] if delta is None else [ChunkChoice(delta=Delta.model_validate(delta), finish_reason=finish)]
    return ChatCompletionChunk(id="c", created=1, model="public", choices=choices, usage=usage)


def events_of(data: bytes) -> list[dict[str, Any]]:
    """The SSE bytes as (event name, data) checked pairs: ``event:`` names the data's type."""
    out = []
    for block in data.split(b"\n\n"):
        if not block:
            continue
        name_line, data_line = block.split(b"\n")
        payload = orjson.loads(data_line.removeprefix(b"data: "))
        assert name_line == b"event: " + payload["type"].encode()
        out.append(payload)
    return out


def run(chunks: list[ChatCompletionChunk], usage: Usage | None = USAGE) -> tuple[list[dict[str, Any]], Any]:
    events = ResponseEvents(skeleton(ResponsesRequest(model="m", input="hi"), "resp_1", 1, True))
    data = b"".join(events.chunk(c) for c in chunks) + events.finish(usage) + events.completed()
    payloads = events_of(data)
    state: ResponseStreamState[Any] = ResponseStreamState(input_tools=omit, text_format=omit)
    for payload in payloads:
        state.handle_event(EVENT.validate_python(payload))  # strict: every required field is there
    return payloads, state._completed_response


def test_a_text_answer_streams_in_openai_order_and_accumulates_in_the_sdk() -> None:
    payloads, final = run(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Hel"}),
            chunk({"content": "lo"}),
            chunk({}, "stop"),
            chunk(usage=USAGE),
        ]
    )
    assert [p["type"] for p in payloads] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))
    assert payloads[0]["response"]["status"] == "in_progress" and payloads[0]["response"]["model"] == "public"
    assert final.output_text == "Hello" and final.status == "completed"
    assert final.usage.input_tokens == 4 and final.usage.total_tokens == 6


def test_text_then_tool_calls_stream_as_a_message_then_function_call_items() -> None:
    first = ToolCallDelta(index=0, id="call_a", type="function", function={"name": "get_weather", "arguments": ""})
    second = ToolCallDelta(index=1, id="call_b", type="function", function={"name": "get_time", "arguments": "{}"})
    payloads, final = run(
        [
            chunk({"content": "Checking."}),
            chunk({"tool_calls": [first.model_dump(exclude_none=True)]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}),
            chunk({"tool_calls": [second.model_dump(exclude_none=True)]}),
            chunk({}, "tool_calls"),
        ]
    )
    kinds = [p["type"] for p in payloads]
    assert kinds.index("response.output_item.done") < kinds.index("response.function_call_arguments.delta")
    assert kinds.count("response.function_call_arguments.done") == 2
    assert [item.type for item in final.output] == ["message", "function_call", "function_call"]
    call = final.output[1]
    assert (call.call_id, call.name, call.arguments, call.status) == (
        "call_a",
        "get_weather",
        '{"city":"Oslo"}',
        "completed",
    )
    assert final.output[2].arguments == "{}"


def test_a_cut_answer_ends_with_response_incomplete() -> None:
    events = ResponseEvents(skeleton(ResponsesRequest(model="m", input="hi"), "resp_1", 1, True))
    data = events.chunk(chunk({"content": "Hel"}, "length")) + events.finish(USAGE) + events.completed()
    payloads = events_of(data)
    assert payloads[-1]["type"] == "response.incomplete"
    assert payloads[-1]["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    for payload in payloads:
        EVENT.validate_python(payload)


def test_a_failure_after_the_first_byte_is_an_error_then_response_failed() -> None:
    events = ResponseEvents(skeleton(ResponsesRequest(model="m", input="hi"), "resp_1", 1, True))
    data = events.chunk(chunk({"content": "Hel"})) + events.failed("The upstream failed.", "upstream_error", None)
    payloads = events_of(data)
    assert [p["type"] for p in payloads][-2:] == ["error", "response.failed"]
    failed = EVENT.validate_python(payloads[-1])
    assert failed.response.status == "failed" and failed.response.error.code == "server_error"
    assert payloads[-2]["message"] == "The upstream failed." and payloads[-2]["code"] == "upstream_error"


def test_an_empty_answer_is_still_one_empty_message() -> None:
    _, final = run([chunk({}, "stop")])
    assert [item.type for item in final.output] == ["message"] and final.output_text == ""


def test_a_call_the_upstream_sent_without_an_id_gets_one_unique_to_its_response() -> None:
    tool = {"tool_calls": [{"index": 0, "function": {"name": "get_weather", "arguments": "{}"}}]}
    _, final = run([chunk(tool), chunk({}, "tool_calls")])
    [call] = [item for item in final.output if item.type == "function_call"]
    assert call.call_id == "call_1_0" and call.name == "get_weather"
