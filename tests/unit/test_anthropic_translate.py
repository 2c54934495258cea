"""Anthropic Messages <-> canonical: requests, replies and stream events, checked against the
anthropic SDK's own types and its own stream accumulator."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message, RawMessageStreamEvent
from pydantic import TypeAdapter

from gateway.api.anthropic import parse_body
from gateway.api.anthropic_errors import anthropic_error_body, anthropic_status
from gateway.errors import (
    AuthenticationFailed,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    StrataError,
    Unprocessable,
    UpstreamError,
)
from gateway.translate.anthropic_messages import to_chat
from gateway.translate.anthropic_replies import from_chat, usage_json
from gateway.translate.anthropic_stream import MessageEvents
from providers.canonical import ChatCompletion, ChatCompletionChunk, Usage

EVENT = TypeAdapter(RawMessageStreamEvent)
HELLO = [{"role": "user", "content": "Hello"}]


def chat(**body: Any) -> dict[str, Any]:
    request = to_chat({"model": "m", "max_tokens": 10, "messages": HELLO, **body})
    return request.model_dump(exclude_unset=True)


# ---------------------------------------------------------------- requests


def test_system_text_and_blocks_become_a_system_message() -> None:
    assert chat(system="Be brief.")["messages"][0] == {"role": "system", "content": "Be brief."}
    blocks = [{"type": "text", "text": "A"}, {"type": "text", "text": "B", "cache_control": {"type": "ephemeral"}}]
    assert chat(system=blocks)["messages"][0] == {"role": "system", "content": blocks}
    assert chat(system=[{"type": "text", "text": "only"}])["messages"][0]["content"] == "only"
    assert chat(system="")["messages"] == HELLO


def test_sampling_stops_metadata_and_vendor_fields_carry_over() -> None:
    request = chat(
        temperature=0.5,
        top_p=1,
        top_k=3,
        stop_sequences=["X"],
        metadata={"user_id": "u1"},
        thinking={"type": "enabled", "budget_tokens": 1024},
        cache_control={"type": "ephemeral"},
        service_tier="auto",
    )
    assert {k: request[k] for k in ("temperature", "top_p", "top_k", "stop", "user")} == {
        "temperature": 0.5,
        "top_p": 1,
        "top_k": 3,
        "stop": ["X"],
        "user": "u1",
    }
    assert request["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert request["cache_control"] == {"type": "ephemeral"}
    assert "service_tier" not in request  # Anthropic-only knobs with no meaning elsewhere stay behind


def test_a_user_turns_tool_results_come_first_then_its_other_blocks() -> None:
    content = [
        {"type": "text", "text": "Also this."},
        {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "21 C"}]},
        {"type": "tool_result", "tool_use_id": "t2", "content": "boom", "is_error": True},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
    ]
    messages = chat(messages=[{"role": "user", "content": content}])["messages"]
    assert messages == [
        {"role": "tool", "tool_call_id": "t1", "content": "21 C"},
        {"role": "tool", "tool_call_id": "t2", "content": "Error: boom"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Also this."},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
        },
    ]


def test_documents_go_inline_as_text_or_as_file_parts() -> None:
    content = [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "plain words"}},
        {
            "type": "document",
            "title": "r.pdf",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
        },
    ]
    parts = chat(messages=[{"role": "user", "content": content}])["messages"][0]["content"]
    assert parts == [
        {"type": "text", "text": "plain words"},
        {"type": "file", "file": {"filename": "r.pdf", "file_data": "data:application/pdf;base64,JVBE"}},
    ]


def test_an_assistant_turn_keeps_tool_calls_thinking_and_cache_control() -> None:
    content = [
        {"type": "thinking", "thinking": "hmm", "signature": "s1"},
        {"type": "redacted_thinking", "data": "xyz"},
        {"type": "text", "text": "Let me check.", "cache_control": {"type": "ephemeral"}},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
    ]
    assistant = chat(messages=[*HELLO, {"role": "assistant", "content": content}])["messages"][1]
    assert assistant == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Let me check.", "cache_control": {"type": "ephemeral"}}],
        "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a":1}'}}],
        "thinking_blocks": [
            {"type": "thinking", "thinking": "hmm", "signature": "s1"},
            {"type": "redacted_thinking", "data": "xyz"},
        ],
    }


def test_tools_and_tool_choice_become_functions() -> None:
    tool = {"name": "f", "description": "d", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}
    request = chat(tools=[tool], tool_choice={"type": "tool", "name": "f", "disable_parallel_tool_use": True})
    assert request["tools"] == [
        {
            "type": "function",
            "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
            "cache_control": {"type": "ephemeral"},
        }
    ]
    assert request["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert request["parallel_tool_calls"] is False
    assert chat(tools=[tool], tool_choice={"type": "any"})["tool_choice"] == "required"
    assert chat(tools=[tool], tool_choice={"type": "none"})["tool_choice"] == "none"


def test_structured_output_becomes_a_json_schema_response_format() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
    request = chat(output_config={"format": {"type": "json_schema", "schema": schema}})
    assert request["response_format"] == {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}


def test_streams_ask_for_usage_and_counting_needs_no_max_tokens() -> None:
    assert chat(stream=True) == chat() and "stream" not in chat()
    streamed = to_chat({"model": "m", "max_tokens": 1, "messages": HELLO}, stream=True)
    assert streamed.stream and streamed.wants_stream_usage()
    counted = to_chat({"model": "m", "messages": HELLO}, counting=True)
    assert counted.max_tokens is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "m", "messages": HELLO}, "max_tokens: Field required."),
        ({"model": "m", "max_tokens": "10", "messages": HELLO}, "max_tokens: Input should be an integer."),
        ({"model": "m", "max_tokens": 0, "messages": HELLO}, "max_tokens: Input should be greater than or equal to 1."),
        ({"max_tokens": 1, "messages": HELLO}, "model: Field required."),
        ({"model": "m", "max_tokens": 1, "messages": []}, "messages: at least one message is required."),
        ({"model": "m", "max_tokens": 1, "messages": [{"role": "system", "content": "x"}]}, "messages.0.role:"),
        ({"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": [{"text": "x"}]}]}, "content.0"),
        ({"model": "m", "max_tokens": 1, "messages": HELLO, "temperature": True}, "temperature: Input should be"),
        ({"model": "m", "max_tokens": 1, "messages": HELLO, "temperature": 3}, "temperature: Input should be less"),
        ({"model": "m", "max_tokens": 1, "messages": HELLO, "tools": [{"type": "web_search_20250305"}]}, "server tool"),
        ({"model": "m", "max_tokens": 1, "messages": HELLO, "tool_choice": {"type": "all"}}, "tool_choice.type"),
        ({"model": "m", "max_tokens": 1, "messages": HELLO, "system": [{"type": "image"}]}, "system.0"),
        ({"model": "m", "max_tokens": 1, "messages": HELLO, "stop_sequences": [1]}, "stop_sequences"),
    ],
)
def test_a_bad_request_is_a_clear_invalid_request(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        to_chat(body)
    assert message in caught.value.message


@pytest.mark.parametrize("raw", [b"", b"[1]", b"{", b'{"a": 184467440737095516160}', b'{"a": NaN}'])
def test_a_body_that_is_no_json_object_is_refused(raw: bytes) -> None:
    with pytest.raises(InvalidRequest):
        parse_body(raw)


# ---------------------------------------------------------------- replies


def completion(message: dict[str, Any], finish: str = "stop", usage: dict[str, Any] | None = None) -> ChatCompletion:
    body = {
        "id": "c",
        "created": 1,
        "model": "public",
        "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": finish}],
        "usage": usage or {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }
    return ChatCompletion.model_validate(body)


def test_a_reply_is_a_message_the_sdk_reads() -> None:
    answer = from_chat(completion({"content": "Hi there"}), "msg_1")
    message = Message.model_validate(answer)
    assert (message.id, message.model, message.stop_reason) == ("msg_1", "public", "end_turn")
    assert message.content[0].type == "text" and message.content[0].text == "Hi there"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (7, 3)


def test_tool_calls_thinking_and_reasoning_become_blocks() -> None:
    calls = [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]
    thinking = [{"type": "thinking", "thinking": "hmm", "signature": "s"}, {"type": "redacted_thinking", "data": "r"}]
    answer = from_chat(
        completion({"content": None, "tool_calls": calls, "thinking_blocks": thinking}, "tool_calls"), "m"
    )
    message = Message.model_validate(answer)
    assert [b.type for b in message.content] == ["thinking", "redacted_thinking", "tool_use"]
    assert message.stop_reason == "tool_use"
    assert answer["content"][2] == {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}}
    reasoning = from_chat(completion({"content": "42", "reasoning_content": "think"}), "m")["content"]
    assert reasoning == [{"type": "thinking", "thinking": "think", "signature": ""}, {"type": "text", "text": "42"}]


def test_arguments_that_are_no_json_object_are_kept() -> None:
    calls = [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": "not json"}}]
    answer = from_chat(completion({"content": None, "tool_calls": calls}, "tool_calls"), "m")
    assert answer["content"][0]["input"] == {"arguments": "not json"}


@pytest.mark.parametrize(
    ("finish", "extra", "stops", "expected"),
    [
        ("stop", {}, None, ("end_turn", None)),
        ("length", {}, None, ("max_tokens", None)),
        ("content_filter", {}, None, ("refusal", None)),
        ("stop", {"stop_reason": "END"}, ["END"], ("stop_sequence", "END")),
        ("stop", {"stop_reason": 2}, ["END"], ("end_turn", None)),
        ("refusal", {}, None, ("refusal", None)),
        ("weird", {}, None, ("end_turn", None)),
    ],
)
def test_finish_reasons_map_to_stop_reasons(
    finish: str, extra: dict[str, Any], stops: list[str] | None, expected: tuple[str, str | None]
) -> None:
    reply = completion({"content": "x"}, finish)
    reply.choices[0].__pydantic_extra__ = extra
    answer = from_chat(reply, "m", stops)
    assert (answer["stop_reason"], answer["stop_sequence"]) == expected


def test_cached_prompt_tokens_are_reported_beside_the_input_tokens() -> None:
    litellm_style = Usage.model_validate(
        {"prompt_tokens": 21, "completion_tokens": 6, "cache_read_input_tokens": 7, "cache_creation_input_tokens": 3}
    )
    assert usage_json(litellm_style) == {
        "input_tokens": 11,
        "output_tokens": 6,
        "cache_creation_input_tokens": 3,
        "cache_read_input_tokens": 7,
    }
    openai_style = Usage.model_validate(
        {"prompt_tokens": 20, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 15}}
    )
    assert usage_json(openai_style)["input_tokens"] == 5 and usage_json(openai_style)["cache_read_input_tokens"] == 15


# ---------------------------------------------------------------- streams


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, usage: dict[str, Any] | None = None
) -> ChatCompletionChunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    body: dict[str, Any] = {"id": "c", "created": 1, "model": "public", "choices": choices}
    if usage is not None:
        body["usage"] = usage
    return ChatCompletionChunk.model_validate(body)


def replay(chunks: list[ChatCompletionChunk], usage: Usage | None = None) -> tuple[list[str], Message]:
    """The events' names, and the message the SDK's own accumulator builds from them."""
    events = MessageEvents("msg_1", ["END"])
    raw = b"".join(events.chunk(c) for c in chunks) + events.finish(usage, "public")
    names, snapshot, buffers = [], None, {}
    for frame in raw.split(b"\n\n")[:-1]:
        name_line, data_line = frame.split(b"\n")
        name, data = name_line.removeprefix(b"event: ").decode(), orjson.loads(data_line.removeprefix(b"data: "))
        assert data["type"] == name
        names.append(name)
        if name != "ping":
            snapshot = accumulate_event(event=EVENT.validate_python(data), current_snapshot=snapshot, json_bufs=buffers)
    assert snapshot is not None
    return names, Message.model_validate(snapshot.to_dict())


def test_text_deltas_build_one_text_block() -> None:
    usage = Usage(prompt_tokens=4, completion_tokens=2, total_tokens=6)
    names, message = replay(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "Hel"}),
            chunk({"content": "lo"}),
            chunk({}, "stop"),
        ],
        usage,
    )
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert message.content[0].type == "text" and message.content[0].text == "Hello"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (4, 2)


def test_tool_call_deltas_build_tool_use_blocks_after_the_text() -> None:
    first = {"index": 0, "id": "t1", "type": "function", "function": {"name": "f", "arguments": ""}}
    second = {"index": 1, "id": "t2", "type": "function", "function": {"name": "g", "arguments": "{}"}}
    _, message = replay(
        [
            chunk({"content": "Checking."}),
            chunk({"tool_calls": [first]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a"'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}),
            chunk({"tool_calls": [second]}),
            chunk({}, "tool_calls"),
        ]
    )
    assert [b.type for b in message.content] == ["text", "tool_use", "tool_use"]
    assert message.content[1].type == "tool_use" and message.content[1].input == {"a": 1}
    assert message.content[2].type == "tool_use" and message.content[2].name == "g"
    assert message.stop_reason == "tool_use"


def test_thinking_deltas_and_their_signature_build_a_thinking_block() -> None:
    litellm_delta = {"reasoning_content": "hm", "thinking_blocks": [{"type": "thinking", "thinking": "hm"}]}
    _, message = replay(
        [
            chunk(litellm_delta),
            chunk({"thinking_blocks": [{"type": "thinking", "thinking": "m.", "signature": None}]}),
            chunk({"thinking_blocks": [{"type": "thinking", "thinking": "", "signature": "sig"}]}),
            chunk({"content": "Answer"}),
            chunk({}, "stop"),
        ]
    )
    thinking, text = message.content
    assert thinking.type == "thinking" and (thinking.thinking, thinking.signature) == ("hmm.", "sig")
    assert text.type == "text" and text.text == "Answer"
    _, reasoned = replay([chunk({"reasoning_content": "why"}), chunk({"content": "so"})])
    assert [b.type for b in reasoned.content] == ["thinking", "text"]


def test_a_stream_without_chunks_is_still_a_whole_message() -> None:
    names, message = replay([])
    assert names == ["message_start", "ping", "message_delta", "message_stop"]
    assert message.content == [] and message.stop_reason == "end_turn"


def test_a_guardrail_report_rides_on_message_delta() -> None:
    closing = MessageEvents("msg_1").finish(None, "public", {"strata_guardrail": {"blocked": True}})
    delta = next(f for f in closing.split(b"\n\n") if f.startswith(b"event: message_delta"))
    data = orjson.loads(delta.split(b"data: ", 1)[1])
    assert data["strata_guardrail"] == {"blocked": True}
    assert EVENT.validate_python(data).type == "message_delta"


def test_a_matched_stop_sequence_and_a_filter_end_the_stream_as_anthropic_says() -> None:
    stopped = chunk({}, "stop")
    stopped.choices[0].__pydantic_extra__ = {"stop_reason": "END"}
    _, message = replay([chunk({"content": "x"}), stopped])
    assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "END")
    _, refused = replay([chunk({"content": "no"}), chunk({}, "content_filter")])
    assert refused.stop_reason == "refusal"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (InvalidRequest("x"), 400, "invalid_request_error"),
        (Unprocessable("x"), 400, "invalid_request_error"),
        (AuthenticationFailed("x"), 401, "authentication_error"),
        (NotFound("x"), 404, "not_found_error"),
        (PayloadTooLarge("x"), 413, "request_too_large"),
        (RateLimited("x"), 429, "rate_limit_error"),
        (UpstreamError("x"), 502, "api_error"),
        (ServiceUnavailable("x"), 529, "overloaded_error"),
        (StrataError("x", status=405), 405, "invalid_request_error"),
    ],
)
def test_errors_take_anthropics_status_and_type(error: StrataError, status: int, kind: str) -> None:
    assert anthropic_status(error) == status
    assert anthropic_error_body(error, "r1") == {
        "type": "error",
        "error": {"type": kind, "message": "x"},
        "request_id": "r1",
    }
