"""The canonical (OpenAI-shaped) request and response types: validation, pass-through, rendering."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from providers.canonical import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    ContentPart,
    Delta,
    EmbeddingRequest,
    EmbeddingResponse,
    Message,
    Usage,
)

USER = [{"role": "user", "content": "Hello"}]


def _parse(**fields: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate_json(json.dumps({"model": "m", "messages": USER, **fields}))


def _invalid(**fields: Any) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        _parse(**fields)
    return [error["loc"] for error in caught.value.errors()]


# --- request validation -----------------------------------------------------------------------


def test_minimal_request() -> None:
    request = _parse()
    assert request.model == "m" and request.messages[0].text() == "Hello"
    assert request.stream is False and request.output_limit() is None and not request.wants_stream_usage()


def test_messages_must_be_non_empty() -> None:
    assert _invalid(messages=[]) == [("messages",)]


def test_model_must_be_non_empty() -> None:
    assert _invalid(model="") == [("model",)]


def test_unknown_role_is_refused() -> None:
    assert _invalid(messages=[{"role": "robot", "content": "x"}]) == [("messages", 0, "role")]


@pytest.mark.parametrize("temperature", [0, 0.7, 2])
def test_temperature_in_range(temperature: float) -> None:
    assert _parse(temperature=temperature).temperature == temperature


@pytest.mark.parametrize("temperature", [-0.1, 2.01])
def test_temperature_out_of_range(temperature: float) -> None:
    assert _invalid(temperature=temperature) == [("temperature",)]


@pytest.mark.parametrize(("n", "ok"), [(1, True), (128, True), (0, False), (129, False)])
def test_n_range(n: int, ok: bool) -> None:
    if ok:
        assert _parse(n=n).n == n
    else:
        assert _invalid(n=n) == [("n",)]


def test_top_p_and_max_tokens_ranges() -> None:
    assert _invalid(top_p=1.5) == [("top_p",)]
    assert _invalid(max_tokens=0) == [("max_tokens",)]
    assert _invalid(max_completion_tokens=0) == [("max_completion_tokens",)]


def test_output_limit_prefers_max_completion_tokens() -> None:
    assert _parse(max_tokens=10).output_limit() == 10
    assert _parse(max_tokens=10, max_completion_tokens=5).output_limit() == 5


def test_stream_usage_wanted_only_when_asked() -> None:
    assert _parse(stream=True, stream_options={"include_usage": True}).wants_stream_usage()
    assert not _parse(stream=True, stream_options={"include_usage": False}).wants_stream_usage()
    assert not _parse(stream=True).wants_stream_usage()


def test_content_as_string_or_parts_or_none() -> None:
    parts = [{"type": "text", "text": "What is in"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": parts},
        {"role": "assistant", "content": None, "tool_calls": [_tool_call()]},
        {"role": "tool", "content": "42", "tool_call_id": "call_1"},
    ]
    request = _parse(messages=messages)
    assert isinstance(request.messages[1].content, list)
    assert request.messages[1].content[1].image_url == {"url": "https://x/y.png"}
    assert request.messages[2].tool_calls is not None
    assert request.messages[2].tool_calls[0].function.arguments == '{"x": 1}'


def test_content_of_the_wrong_type_is_refused() -> None:
    assert all(loc[:3] == ("messages", 0, "content") for loc in _invalid(messages=[{"role": "user", "content": 5}]))


def test_content_part_needs_a_type() -> None:
    locs = _invalid(messages=[{"role": "user", "content": [{"text": "hi"}]}])
    assert ("messages", 0, "content", "list[ContentPart]", 0, "type") in locs


def _tool_call() -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}


def test_tools_and_tool_choice() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    request = _parse(tools=tools, tool_choice="auto")
    assert request.tools is not None and request.tools[0].function.name == "get_weather"
    named = {"type": "function", "function": {"name": "get_weather"}}
    assert _parse(tools=tools, tool_choice=named).tool_choice == named


def test_tool_needs_a_function_name() -> None:
    locs = _invalid(tools=[{"type": "function", "function": {"parameters": {}}}])
    assert locs == [("tools", 0, "function", "name")]


def test_tool_choice_must_be_known() -> None:
    assert _invalid(tool_choice="sometimes")[0][0] == "tool_choice"


def test_response_format_types() -> None:
    assert _parse(response_format={"type": "json_object"}).response_format is not None
    assert _invalid(response_format={"type": "yaml"}) == [("response_format", "type")]


# --- unknown fields pass through ----------------------------------------------------------------


def test_unknown_fields_are_kept_and_reserialised() -> None:
    request = _parse(
        reasoning_effort="low",
        logit_bias={"50256": -100},
        messages=[{"role": "user", "content": "Hi", "cache_control": {"type": "ephemeral"}}],
    )
    dumped = request.model_dump(exclude_unset=True)
    assert dumped["reasoning_effort"] == "low"
    assert dumped["logit_bias"] == {"50256": -100}
    assert dumped["messages"][0]["cache_control"] == {"type": "ephemeral"}


def test_exclude_unset_renders_only_what_was_sent() -> None:
    request = _parse(temperature=0.5)
    assert request.model_dump(exclude_unset=True) == {"model": "m", "messages": USER, "temperature": 0.5}


def test_explicit_nulls_are_kept() -> None:
    request = _parse(max_tokens=None)
    assert request.model_dump(exclude_unset=True)["max_tokens"] is None


# --- responses: upstream fields kept, `object` always present -----------------------------------

UPSTREAM_COMPLETION = {
    "id": "chatcmpl-1",
    "created": 1,
    "model": "gpt-x",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi", "annotations": []}, "logprobs": None}],
    "system_fingerprint": "fp_1",
    "service_tier": "default",
}


def test_completion_from_upstream_keeps_its_fields_and_gains_object() -> None:
    completion = ChatCompletion.model_validate(UPSTREAM_COMPLETION)
    dumped = completion.model_dump(exclude_unset=True)
    assert dumped["object"] == "chat.completion"
    assert dumped["system_fingerprint"] == "fp_1" and dumped["service_tier"] == "default"
    assert dumped["choices"][0]["logprobs"] is None
    assert dumped["choices"][0]["message"]["annotations"] == []
    assert "usage" not in dumped, "what the upstream did not send is not invented"


def test_completion_built_by_strata_has_the_fields_clients_need() -> None:
    completion = ChatCompletion(
        id="c", created=1, model="m", choices=[Choice(message=AssistantMessage(content="Hi"))], usage=Usage()
    )
    dumped = completion.model_dump(exclude_unset=True)
    assert dumped["object"] == "chat.completion"
    assert dumped["choices"][0] == {
        "index": 0,
        "finish_reason": None,
        "message": {"role": "assistant", "content": "Hi"},
    }


def test_chunk_always_has_object_index_and_finish_reason() -> None:
    chunk = ChatCompletionChunk(id="c", created=1, model="m", choices=[ChunkChoice(delta=Delta(content="a"))])
    dumped = chunk.model_dump(exclude_unset=True)
    assert dumped["object"] == "chat.completion.chunk"
    assert dumped["choices"] == [{"index": 0, "finish_reason": None, "delta": {"content": "a"}}]


def test_chunk_from_upstream_keeps_unknown_delta_fields() -> None:
    raw = {"id": "c", "created": 1, "model": "m", "choices": [{"index": 0, "delta": {"reasoning_content": "hmm"}}]}
    dumped = ChatCompletionChunk.model_validate(raw).model_dump(exclude_unset=True)
    assert dumped["object"] == "chat.completion.chunk"
    assert dumped["choices"][0]["delta"] == {"reasoning_content": "hmm"}


def test_wrong_object_value_is_refused() -> None:
    with pytest.raises(ValidationError):
        ChatCompletion.model_validate({**UPSTREAM_COMPLETION, "object": "chat.completion.chunk"})


def test_embedding_response_always_has_object_and_usage() -> None:
    response = EmbeddingResponse.model_validate(
        {"data": [{"index": 0, "embedding": [0.5]}], "model": "e", "provider_extra": 1}
    )
    dumped = response.model_dump(exclude_unset=True)
    assert dumped["object"] == "list" and dumped["usage"] == {}
    assert dumped["data"] == [{"object": "embedding", "index": 0, "embedding": [0.5]}]
    assert dumped["provider_extra"] == 1


def test_embedding_request_texts() -> None:
    assert EmbeddingRequest(model="e", input="one").texts() == ["one"]
    assert EmbeddingRequest(model="e", input=["a", "b"]).texts() == ["a", "b"]
    assert EmbeddingRequest(model="e", input=[1, 2, 3]).texts() == []


# --- Message.text -------------------------------------------------------------------------------


def test_text_of_a_string_message() -> None:
    assert Message(role="user", content="plain").text() == "plain"


def test_text_joins_text_parts_and_skips_the_rest() -> None:
    parts = [
        ContentPart(type="text", text="Describe "),
        ContentPart(type="image_url", image_url={"url": "https://x"}),
        ContentPart(type="text", text="this."),
        ContentPart(type="input_audio"),
    ]
    assert Message(role="user", content=parts).text() == "Describe this."


def test_text_of_an_empty_message() -> None:
    assert Message(role="assistant").text() == ""
    assert Message(role="user", content=[]).text() == ""
