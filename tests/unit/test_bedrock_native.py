"""InvokeModel's native bodies: family detection and each family's translation, both ways."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from gateway.errors import InvalidRequest
from gateway.translate import bedrock_native as native
from gateway.translate.bedrock_native import ChatFamily, EmbedFamily, detect, llama_messages
from providers.canonical import ChatCompletion, ChatCompletionChunk, EmbeddingResponse, Usage

USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def dump(family: ChatFamily, body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = family.to_chat("m", body, stream).model_dump(exclude_unset=True)
    return result


def completion(content: str | None = "Hi there", finish: str = "stop", **message: Any) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "c1",
            "created": 1,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content, **message}, "finish_reason": finish}
            ],
            "usage": USAGE,
        }
    )


@pytest.mark.parametrize(
    ("body", "embeds", "family"),
    [
        ({"anthropic_version": "bedrock-2023-05-31", "messages": [], "max_tokens": 1}, False, native.ANTHROPIC),
        ({"messages": [{"role": "user", "content": "x"}]}, False, native.OPENAI),
        ({"texts": ["a"], "input_type": "search_document"}, True, native.COHERE_EMBED),
        ({"inputText": "x", "textGenerationConfig": {}}, True, native.TITAN_TEXT),
        ({"inputText": "x", "dimensions": 256}, False, native.TITAN_EMBED),
        ({"inputText": "x"}, True, native.TITAN_EMBED),  # bare inputText to a model that embeds
        ({"inputText": "x"}, False, native.TITAN_TEXT),
        ({"prompt": "x", "max_gen_len": 5}, False, native.LLAMA),
    ],
)
def test_the_family_is_recognised_from_the_body(
    body: dict[str, Any], embeds: bool, family: ChatFamily | EmbedFamily
) -> None:
    assert detect(body, lambda: embeds) is family


def test_an_unknown_body_names_the_shapes_it_could_be() -> None:
    with pytest.raises(InvalidRequest, match="anthropic_version"):
        detect({"foo": 1}, lambda: False)


def test_anthropic_messages_translate_with_system_tools_and_tool_results() -> None:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 100,
        "system": "Be brief.",
        "temperature": 0.2,
        "stop_sequences": ["END"],
        "messages": [
            {"role": "user", "content": "Weather?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "tu1", "name": "weather", "input": {"city": "Paris"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "tu1", "content": [{"type": "text", "text": "21C"}]},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}},
                    {"type": "text", "text": "Thanks"},
                ],
            },
        ],
        "tools": [{"name": "weather", "description": "d", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "any"},
    }

    out = dump(native.ANTHROPIC, body)

    assert out["max_tokens"] == 100 and out["temperature"] == 0.2 and out["stop"] == ["END"]
    assert out["messages"][0] == {"role": "system", "content": "Be brief."}
    assert out["messages"][2]["tool_calls"][0]["function"] == {"name": "weather", "arguments": '{"city":"Paris"}'}
    assert out["messages"][3] == {"role": "tool", "tool_call_id": "tu1", "content": "21C"}
    assert out["messages"][4]["content"] == [
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "text", "text": "Thanks"},
    ]
    assert out["tools"] == [
        {"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}, "description": "d"}}
    ]
    assert out["tool_choice"] == "required"


def test_anthropic_requires_max_tokens() -> None:
    with pytest.raises(InvalidRequest, match="max_tokens"):
        native.ANTHROPIC.to_chat("m", {"anthropic_version": "v", "messages": []}, False)


def test_anthropic_response_shape() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}}
    request = native.ANTHROPIC.to_chat(
        "m", {"anthropic_version": "v", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, False
    )

    out = native.ANTHROPIC.from_chat(completion("Sure", "tool_calls", tool_calls=[call]), request)

    assert out == {
        "id": "c1",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [
            {"type": "text", "text": "Sure"},
            {"type": "tool_use", "id": "call_1", "name": "f", "input": {"x": 1}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 2},
    }


def chunk(delta: dict[str, Any], finish: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {"id": "c", "created": 1, "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    )


def test_anthropic_stream_events() -> None:
    body = {"anthropic_version": "v", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    stream = native.ANTHROPIC.stream(native.ANTHROPIC.to_chat("m", body, True), body)
    events = [
        *stream.chunk(chunk({"role": "assistant", "content": "He"})),
        *stream.chunk(chunk({"content": "llo"}, "length")),
        *stream.finish(Usage(prompt_tokens=3, completion_tokens=2, total_tokens=5), {"inputTokenCount": 3}),
    ]

    assert [e["type"] for e in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[2]["delta"] == {"type": "text_delta", "text": "He"}
    assert events[5]["delta"] == {"stop_reason": "max_tokens", "stop_sequence": None}
    assert events[5]["usage"] == {"input_tokens": 3, "output_tokens": 2}
    assert events[6]["amazon-bedrock-invocationMetrics"] == {"inputTokenCount": 3}


def test_titan_text_round_trip() -> None:
    body = {
        "inputText": "Hello",
        "textGenerationConfig": {"maxTokenCount": 9, "temperature": 0, "topP": 1, "stopSequences": ["|"]},
    }
    request = native.TITAN_TEXT.to_chat("m", body, False)

    assert request.model_dump(exclude_unset=True) == {
        "model": "m",
        "messages": [{"role": "user", "content": "Hello"}],
        "max_tokens": 9,
        "temperature": 0,
        "top_p": 1,
        "stop": ["|"],
    }
    assert native.TITAN_TEXT.from_chat(completion("Hi", "length"), request) == {
        "inputTextTokenCount": 5,
        "results": [{"tokenCount": 2, "outputText": "Hi", "completionReason": "LENGTH"}],
    }


def test_titan_and_llama_streams_end_with_counts_and_metrics() -> None:
    for family, text_key in ((native.TITAN_TEXT, "outputText"), (native.LLAMA, "generation")):
        body = {"inputText": "x"} if family is native.TITAN_TEXT else {"prompt": "x"}
        stream = family.stream(family.to_chat("m", body, True), body)
        events = [
            *stream.chunk(chunk({"content": "A"})),
            *stream.chunk(chunk({"content": "B"}, "stop")),
            *stream.finish(Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3), {"outputTokenCount": 2}),
        ]
        assert [e[text_key] for e in events] == ["A", "B", ""]
        assert events[-1]["amazon-bedrock-invocationMetrics"] == {"outputTokenCount": 2}


def test_llama_response_and_parameters() -> None:
    request = native.LLAMA.to_chat("m", {"prompt": "Hi", "max_gen_len": 4, "top_p": 0.5}, False)

    assert request.model_dump(exclude_unset=True)["max_tokens"] == 4
    assert native.LLAMA.from_chat(completion("Yo"), request) == {
        "generation": "Yo",
        "prompt_token_count": 5,
        "generation_token_count": 2,
        "stop_reason": "stop",
    }


def test_llama_chat_templates_become_messages() -> None:
    llama3 = (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    assert llama_messages(llama3) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi!"},
    ]
    assert llama_messages("<s>[INST] <<SYS>>\nSys\n<</SYS>>\n\nQuestion [/INST]") == [
        {"role": "system", "content": "Sys"},
        {"role": "user", "content": "Question"},
    ]
    assert llama_messages("plain text") == [{"role": "user", "content": "plain text"}]


def test_openai_bodies_pass_through_and_stream_usage_only_when_asked() -> None:
    body = {"messages": [{"role": "user", "content": "x"}], "max_tokens": 3, "model": "ignored", "stream": True}
    request = native.OPENAI.to_chat("m", body, False)
    assert request.model_dump(exclude_unset=True) == {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "max_tokens": 3,
    }

    streamed = native.OPENAI.to_chat("m", body, True)
    assert streamed.stream_options is not None and streamed.stream_options.include_usage
    usage_chunk = ChatCompletionChunk.model_validate(
        {"id": "c", "created": 1, "model": "m", "choices": [], "usage": USAGE}
    )
    stream = native.OPENAI.stream(streamed, body)
    assert stream.chunk(usage_chunk) == []
    (tail,) = stream.finish(Usage(), {"m": 1})
    assert "usage" not in tail and tail["amazon-bedrock-invocationMetrics"] == {"m": 1}

    asked = {**body, "stream_options": {"include_usage": True}}
    stream = native.OPENAI.stream(native.OPENAI.to_chat("m", asked, True), asked)
    stream.chunk(usage_chunk)
    assert stream.finish(Usage(), {})[0]["usage"] == USAGE


def embeddings(*vectors: list[float]) -> EmbeddingResponse:
    return EmbeddingResponse.model_validate(
        {
            "data": [{"index": i, "embedding": v} for i, v in enumerate(vectors)],
            "model": "m",
            "usage": {"prompt_tokens": 4, "total_tokens": 4},
        }
    )


def test_titan_embeddings() -> None:
    body = {"inputText": "hello", "dimensions": 2, "embeddingTypes": ["float"]}
    request = native.TITAN_EMBED.to_embeddings("m", body)

    assert request.model_dump(exclude_unset=True) == {"model": "m", "input": "hello", "dimensions": 2}
    assert native.TITAN_EMBED.from_embeddings(embeddings([0.5, 0.5]), body) == {
        "embedding": [0.5, 0.5],
        "inputTextTokenCount": 4,
        "embeddingsByType": {"float": [0.5, 0.5]},
    }
    with pytest.raises(InvalidRequest, match="float"):
        native.TITAN_EMBED.to_embeddings("m", {"inputText": "x", "embeddingTypes": ["binary"]})
    for dimensions in (0, -4):  # a 400 naming the field (it was a 500, which botocore retries)
        with pytest.raises(InvalidRequest, match="dimensions"):
            native.TITAN_EMBED.to_embeddings("m", {"inputText": "x", "dimensions": dimensions})


def test_cohere_embeddings() -> None:
    body = {"texts": ["a", "b"], "input_type": "search_query"}
    assert native.COHERE_EMBED.to_embeddings("m", body).model_dump(exclude_unset=True) == {
        "model": "m",
        "input": ["a", "b"],
    }

    out = native.COHERE_EMBED.from_embeddings(embeddings([1.0], [2.0]), body)
    assert out["embeddings"] == [[1.0], [2.0]] and out["response_type"] == "embeddings_floats"
    assert out["texts"] == ["a", "b"] and out["id"]

    by_type = native.COHERE_EMBED.from_embeddings(embeddings([1.0]), {**body, "embedding_types": ["float"]})
    assert by_type["embeddings"] == {"float": [[1.0]]} and by_type["response_type"] == "embeddings_by_type"
    with pytest.raises(InvalidRequest, match="texts"):
        native.COHERE_EMBED.to_embeddings("m", {"texts": []})


@pytest.mark.parametrize(
    ("family", "body", "message"),
    [
        (native.TITAN_TEXT, {"inputText": 5}, "'inputText' must be a string"),
        (native.LLAMA, {"prompt": "x", "max_gen_len": "ten"}, "'max_gen_len' must be an integer"),
        (native.LLAMA, {"prompt": "x", "temperature": True}, "'temperature' must be a number"),
        (native.ANTHROPIC, {"max_tokens": 1, "messages": [{"role": "bot", "content": "x"}]}, "role"),
    ],
)
def test_wrong_types_name_the_field(family: ChatFamily, body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        family.to_chat("m", body, False)


def test_base64_chunks_round_trip() -> None:
    payload = {"generation": "é"}
    assert orjson.loads(base64.b64decode(base64.b64encode(orjson.dumps(payload)))) == payload
