"""Converse <-> canonical translation: pure functions, checked without a server."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from gateway.errors import InvalidRequest
from gateway.schemas.bedrock import ConverseRequest
from gateway.translate.bedrock_converse import chat_to_converse, converse_to_chat, stop_reason
from gateway.translate.bedrock_converse_stream import ConverseStreamEvents
from providers.canonical import ChatCompletion, ChatCompletionChunk, Usage
from tests.support.bedrock import parse_events as _parse

PNG = base64.b64encode(b"\x89PNG fake").decode()


def translate(body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    request = converse_to_chat("model-x", ConverseRequest.model_validate(body), stream=stream)
    dumped: dict[str, Any] = request.model_dump(exclude_unset=True)
    return dumped


def user(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def test_text_system_and_inference_config_map_to_openai_parameters() -> None:
    out = translate(
        {
            "system": [{"text": "Be brief."}, {"text": "Be kind."}],
            "messages": [user({"text": "Summarize:"}, {"text": "The cat sat."})],  # blocks stay apart
            "inferenceConfig": {"maxTokens": 20, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
            "additionalModelRequestFields": {"top_k": 5, "model": "ignored", "messages": "ignored"},
            "requestMetadata": {"team": "a"},
        }
    )

    assert out == {
        "model": "model-x",
        "messages": [
            {"role": "system", "content": "Be brief.\nBe kind."},
            {"role": "user", "content": "Summarize:\nThe cat sat."},
        ],
        "max_tokens": 20,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["END"],
        "top_k": 5,
    }


def test_nothing_unset_reaches_the_upstream() -> None:
    assert translate({"messages": [user({"text": "x"})]}) == {
        "model": "model-x",
        "messages": [{"role": "user", "content": "x"}],
    }


def test_streams_always_ask_for_usage() -> None:
    out = translate({"messages": [user({"text": "x"})]}, stream=True)

    assert out["stream"] is True and out["stream_options"] == {"include_usage": True}


def test_images_become_data_urls_and_text_documents_are_inlined() -> None:
    text_doc = base64.b64encode(b"a,b\n1,2").decode()
    out = translate(
        {
            "messages": [
                user(
                    {"text": "Look:"},
                    {"image": {"format": "png", "source": {"bytes": PNG}}},
                    {"document": {"format": "csv", "name": "table", "source": {"bytes": text_doc}}},
                    {"document": {"format": "pdf", "name": "report", "source": {"bytes": PNG}}},
                    {"document": {"name": "notes", "source": {"text": "plain notes"}}},
                )
            ]
        }
    )

    parts = out["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "Look:"}
    assert parts[1] == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
    assert parts[2] == {"type": "text", "text": '<document name="table">\na,b\n1,2\n</document>'}
    assert parts[3] == {
        "type": "file",
        "file": {"filename": "report.pdf", "file_data": f"data:application/pdf;base64,{PNG}"},
    }
    assert parts[4]["text"].startswith('<document name="notes">')


def test_tool_use_and_tool_results_become_tool_calls_and_tool_messages() -> None:
    out = translate(
        {
            "messages": [
                user({"text": "Weather in Paris?"}),
                {
                    "role": "assistant",
                    "content": [
                        {"text": "Let me check."},
                        {"toolUse": {"toolUseId": "t-1", "name": "weather", "input": {"city": "Paris"}}},
                    ],
                },
                user(
                    {"toolResult": {"toolUseId": "t-1", "content": [{"json": {"temp": 21}}, {"text": "sunny"}]}},
                    {"text": "And tomorrow?"},
                ),
                user({"toolResult": {"toolUseId": "t-2", "content": [{"text": "no data"}], "status": "error"}}),
            ],
            "toolConfig": {
                "tools": [
                    {
                        "toolSpec": {
                            "name": "weather",
                            "description": "Current weather",
                            "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}},
                        }
                    },
                    {"cachePoint": {"type": "default"}},
                ],
                "toolChoice": {"tool": {"name": "weather"}},
            },
        }
    )

    assert out["messages"][1] == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {"id": "t-1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}}
        ],
    }
    # tool results first (OpenAI wants them right after the tool calls), then the rest of the turn
    assert out["messages"][2] == {"role": "tool", "tool_call_id": "t-1", "content": '{"temp":21}\nsunny'}
    assert out["messages"][3] == {"role": "user", "content": "And tomorrow?"}
    assert out["messages"][4] == {"role": "tool", "tool_call_id": "t-2", "content": "Error: no data"}
    assert out["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                "description": "Current weather",
            },
        }
    ]
    assert out["tool_choice"] == {"type": "function", "function": {"name": "weather"}}


@pytest.mark.parametrize(("choice", "expected"), [({"auto": {}}, "auto"), ({"any": {}}, "required")])
def test_tool_choice_auto_and_any(choice: dict[str, Any], expected: str) -> None:
    tool = {"toolSpec": {"name": "f", "inputSchema": {"json": {"type": "object"}}}}
    out = translate({"messages": [user({"text": "x"})], "toolConfig": {"tools": [tool], "toolChoice": choice}})

    assert out["tool_choice"] == expected


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"video": {"format": "mp4", "source": {"bytes": PNG}}}, r"content\[0\] \(video\) is not supported"),
        ({"image": {"format": "png", "source": {"s3Location": {"uri": "s3://b/k"}}}}, "no S3 locations"),
        ({"document": {"format": "txt", "name": "d", "source": {"bytes": "%%%"}}}, "not base64"),
    ],
)
def test_what_cannot_be_translated_is_a_validation_error_naming_the_block(block: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        translate({"messages": [user(block)]})


def test_empty_messages_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="messages"):
        translate({"messages": []})


def completion(message: dict[str, Any], finish: str, **choice: Any) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "c1",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": finish, **choice}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }
    )


def test_a_completion_becomes_output_message_stop_reason_usage_and_metrics() -> None:
    out = chat_to_converse(completion({"role": "assistant", "content": "Hello"}, "stop"), latency_ms=42)

    assert out == {
        "output": {"message": {"role": "assistant", "content": [{"text": "Hello"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 7, "outputTokens": 3, "totalTokens": 10},
        "metrics": {"latencyMs": 42},
    }


def test_tool_calls_become_tool_use_blocks_with_parsed_input() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}}
    out = chat_to_converse(
        completion({"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"),
        latency_ms=1,
        trace={"promptRouter": {"invokedModelId": "cheap"}},
    )

    assert out["output"]["message"]["content"] == [
        {"toolUse": {"toolUseId": "call_1", "name": "weather", "input": {"city": "Paris"}}}
    ]
    assert out["stopReason"] == "tool_use"
    assert out["trace"] == {"promptRouter": {"invokedModelId": "cheap"}}


@pytest.mark.parametrize(
    ("finish", "matched", "expected"),
    [
        ("stop", None, "end_turn"),
        ("length", None, "max_tokens"),
        ("tool_calls", None, "tool_use"),
        ("content_filter", None, "content_filtered"),
        ("stop", "END", "stop_sequence"),  # vLLM names the stop string that matched
        ("guardrail_intervened", None, "guardrail_intervened"),  # Strata's own guardrails speak Bedrock
        (None, None, "end_turn"),
    ],
)
def test_stop_reasons(finish: str | None, matched: str | None, expected: str) -> None:
    assert stop_reason(finish, matched, ["END"]) == expected


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, usage: bool = False) -> ChatCompletionChunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    data: dict[str, Any] = {"id": "c", "created": 1, "model": "m", "choices": choices}
    if usage:
        data["usage"] = {"prompt_tokens": 4, "completion_tokens": 6, "total_tokens": 10}
    return ChatCompletionChunk.model_validate(data)


def test_a_stream_of_text_then_tool_calls_becomes_bedrocks_block_events() -> None:
    events = ConverseStreamEvents(started=0.0)
    frames = [
        events.chunk(chunk({"role": "assistant", "content": ""})),
        events.chunk(chunk({"content": "Checking"})),
        events.chunk(chunk({"content": "..."})),
        events.chunk(
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "t1", "type": "function", "function": {"name": "f", "arguments": ""}}
                    ]
                }
            )
        ),
        events.chunk(chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]})),
        events.chunk(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]})),
        events.chunk(chunk({"tool_calls": [{"index": 1, "id": "t2", "function": {"name": "g", "arguments": "{}"}}]})),
        events.chunk(chunk({}, "tool_calls")),
        events.chunk(chunk(usage=True)),
    ]
    frames.append(events.finish(Usage(prompt_tokens=4, completion_tokens=6, total_tokens=10)))

    parsed = _parse("ConverseStream", frames)
    names = [next(iter(e)) for e in parsed]
    assert names == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "contentBlockStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "contentBlockStart",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert parsed[4]["contentBlockStart"] == {
        "start": {"toolUse": {"toolUseId": "t1", "name": "f"}},
        "contentBlockIndex": 1,
    }
    assert [parsed[i]["contentBlockDelta"]["delta"]["toolUse"]["input"] for i in (5, 6)] == ['{"a":', "1}"]
    assert parsed[8]["contentBlockStart"]["contentBlockIndex"] == 2
    assert parsed[11] == {"messageStop": {"stopReason": "tool_use"}}
    assert parsed[12]["metadata"]["usage"] == {"inputTokens": 4, "outputTokens": 6, "totalTokens": 10}
    assert orjson.loads(orjson.dumps(parsed[12]["metadata"]["metrics"]))["latencyMs"] >= 0


def test_a_stream_without_a_finish_reason_still_stops() -> None:
    events = ConverseStreamEvents(started=0.0)
    frames = [events.chunk(chunk({"content": "Hi"})), events.finish(None)]

    names = [next(iter(e)) for e in _parse("ConverseStream", frames)]
    assert names == ["messageStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
