"""Legacy completions to the canonical chat form and back, checked against the openai SDK's own
``Completion`` model."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types import Completion as SdkCompletion

from gateway.errors import InvalidRequest
from gateway.schemas.completions import CompletionRequest
from gateway.translate.openai_completions import completion_to_chat, echo_chunk, text_chunk, text_completion
from providers.canonical import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    Delta,
    Usage,
)


def chat(body: dict[str, Any], stream: bool = False) -> dict[str, Any]:
    request = completion_to_chat(CompletionRequest.model_validate({"model": "m", **body}), stream=stream)
    return request.model_dump(exclude_unset=True, exclude_none=True)


def test_the_prompt_is_one_user_message_and_sampling_parameters_pass_on() -> None:
    request = chat(
        {"prompt": ["Once upon"], "max_tokens": 7, "temperature": 0.5, "top_p": 0.8, "n": 2, "stop": ["\n"], "seed": 3}
    )
    assert request["messages"] == [{"role": "user", "content": "Once upon"}]
    assert (request["max_tokens"], request["temperature"], request["top_p"], request["n"]) == (7, 0.5, 0.8, 2)
    assert request["stop"] == ["\n"] and request["seed"] == 3
    assert "echo" not in request and "prompt" not in request


def test_a_stream_asks_for_usage_only_when_the_caller_did() -> None:
    assert "stream_options" not in chat({"prompt": "x", "stream": True}, stream=True)
    asked = chat({"prompt": "x", "stream": True, "stream_options": {"include_usage": True}}, stream=True)
    assert asked["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"prompt": [1, 2, 3]}, "prompt"),
        ({"prompt": [[1, 2]]}, "prompt"),
        ({"prompt": ["a", "b"]}, "prompt"),
        ({"prompt": []}, "prompt"),
        ({"prompt": "x", "logprobs": 2}, "logprobs"),
        ({"prompt": "x", "suffix": "end"}, "suffix"),
        ({"prompt": "x", "best_of": 3}, "best_of"),
    ],
)
def test_what_the_chat_form_cannot_carry_is_a_400(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        chat(body)
    assert caught.value.param == param


def test_a_chat_completion_becomes_a_text_completion_the_sdk_accepts() -> None:
    completion = ChatCompletion(
        id="chatcmpl-abc",
        created=5,
        model="public",
        choices=[Choice(index=0, message=AssistantMessage(content=" there"), finish_reason="length")],
        usage=Usage(prompt_tokens=2, completion_tokens=1, total_tokens=3),
    )
    parsed = SdkCompletion.model_validate(text_completion(completion, echo="Hello"))
    assert parsed.id == "cmpl-abc" and parsed.object == "text_completion" and parsed.model == "public"
    assert parsed.choices[0].text == "Hello there" and parsed.choices[0].finish_reason == "length"
    assert parsed.usage is not None and parsed.usage.total_tokens == 3


def test_stream_chunks_carry_text_and_skip_the_role_chunk() -> None:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> ChatCompletionChunk:
        choice = ChunkChoice(delta=Delta.model_validate(delta), finish_reason=finish)
        return ChatCompletionChunk(id="chatcmpl-1", created=1, model="public", choices=[choice])

    assert text_chunk(chunk({"role": "assistant", "content": ""})) is None
    piece = text_chunk(chunk({"content": "Hi"}))
    assert piece is not None
    # OpenAI's own chunks say finish_reason null until the last (the SDK's model, strict, would not take it)
    assert piece["object"] == "text_completion" and piece["id"] == "cmpl-1"
    assert piece["choices"] == [{"text": "Hi", "index": 0, "logprobs": None, "finish_reason": None}]
    end = text_chunk(chunk({}, "stop"))
    assert end is not None and end["choices"] == [{"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}]
    usage = ChatCompletionChunk(id="chatcmpl-1", created=1, model="public", choices=[], usage=Usage(total_tokens=2))
    assert text_chunk(usage) == {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": "public",
        "choices": [],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 2},
    }
    assert [c["text"] for c in echo_chunk(chunk({}), "Say", 2)["choices"]] == ["Say", "Say"]


@pytest.mark.parametrize("prompt", [[1, 2, 3], [[1, 2], [3]]])
def test_a_token_id_prompt_is_refused_as_one_not_counted_as_several(prompt: Any) -> None:
    with pytest.raises(InvalidRequest) as caught:
        chat({"prompt": prompt})
    assert "Token-id prompts are not supported" in caught.value.message
