"""A tool call streamed with its name in a later chunk than its id (OpenAI's delta format allows
it) still starts its block with the name, on Bedrock's ConverseStream and Anthropic's Messages;
a message that ends in tool use says so even when the upstream said "stop"."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.translate.anthropic_stream import MessageEvents
from gateway.translate.bedrock_converse import chat_to_converse
from gateway.translate.bedrock_converse_stream import ConverseStreamEvents
from providers.canonical import ChatCompletion, ChatCompletionChunk
from tests.support.bedrock import parse_events

NAME_LATER = [
    {"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"arguments": ""}}]},
    {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
    {"tool_calls": [{"index": 0, "function": {"name": "weather", "arguments": '"Paris"}'}}]},
]


def _chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> ChatCompletionChunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return ChatCompletionChunk.model_validate({"id": "c", "created": 1, "model": "m", "choices": choices})


def test_converse_stream_names_a_tool_whose_name_came_late() -> None:
    events = ConverseStreamEvents(started=0.0)
    frames = [events.chunk(_chunk(d)) for d in NAME_LATER] + [events.chunk(_chunk({}, "stop")), events.finish(None)]
    parsed = parse_events("ConverseStream", frames)
    starts = [e["contentBlockStart"]["start"]["toolUse"] for e in parsed if "contentBlockStart" in e]
    assert starts == [{"toolUseId": "call_1", "name": "weather"}]
    pieces = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in parsed if "contentBlockDelta" in e]
    assert orjson.loads("".join(pieces)) == {"city": "Paris"}
    assert [e["messageStop"]["stopReason"] for e in parsed if "messageStop" in e] == ["tool_use"]


def test_anthropic_stream_names_a_tool_whose_name_came_late() -> None:
    events = MessageEvents("msg_1")
    raw = b"".join(events.chunk(_chunk(d)) for d in NAME_LATER) + events.chunk(_chunk({}, "stop"))
    raw += events.finish(None, "m")
    data = [orjson.loads(f.split(b"\n")[1].removeprefix(b"data: ")) for f in raw.split(b"\n\n")[:-1]]
    starts = [d["content_block"] for d in data if d["type"] == "content_block_start"]
    assert starts == [{"type": "tool_use", "id": "call_1", "name": "weather", "input": {}}]
    pieces = [d["delta"]["partial_json"] for d in data if d["type"] == "content_block_delta"]
    assert orjson.loads("".join(pieces)) == {"city": "Paris"}
    assert [d["delta"]["stop_reason"] for d in data if d["type"] == "message_delta"] == ["tool_use"]


def test_a_converse_reply_that_ends_in_tool_use_says_tool_use_whatever_the_upstream_said() -> None:
    completion = ChatCompletion.model_validate(
        {
            "id": "c",
            "created": 1,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",  # Ollama and vLLM end tool calls so
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                    },
                }
            ],
        }
    )
    assert chat_to_converse(completion, 1)["stopReason"] == "tool_use"
