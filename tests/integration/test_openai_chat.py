"""The OpenAI surface through the real openai SDK: chat, parameters, tools, embeddings, models, failover."""

from __future__ import annotations

import base64
import struct
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import (
    FAKE_KEY,
    USER,
)
from tests.support.gateway import RunningGateway

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def only_request(upstream: FakeUpstream) -> dict[str, Any]:
    [recorded] = upstream.requests()
    return recorded


# ---------------------------------------------------------------- chat


def test_chat_completion_answers_under_the_public_model_name(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    completion = raw.parse()

    assert completion.choices[0].message.content == DEFAULT_CONTENT
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "gpt-test"
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens == 5
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    assert raw.headers["x-request-id"]
    assert raw.headers["x-strata-model"] == "gpt-test"
    assert raw.headers["x-strata-deployment"] == "gpt-test/0"


def test_upstream_sees_its_own_model_id_the_deployment_key_and_the_request_id(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    recorded = only_request(upstream)
    assert recorded["path"] == "/v1/chat/completions"
    assert recorded["body"]["model"] == "fake-model"
    assert recorded["headers"]["authorization"] == f"Bearer {FAKE_KEY}"
    assert recorded["headers"]["x-request-id"] == raw.headers["x-request-id"]


def test_callers_request_id_is_echoed_and_propagated_upstream(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-test",
        messages=USER,  # type: ignore[arg-type]
        extra_headers={"x-request-id": "caller-req-42"},
    )

    assert raw.headers["x-request-id"] == "caller-req-42"
    assert only_request(upstream)["headers"]["x-request-id"] == "caller-req-42"


def test_gateway_authenticates_to_an_upstream_that_checks_its_key(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    upstream.set_behaviour("fake-model", expected_api_key=FAKE_KEY)

    completion = client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    assert completion.choices[0].message.content == DEFAULT_CONTENT


# ---------------------------------------------------------------- parameters


def test_openai_parameters_reach_the_upstream_unchanged(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    sent: dict[str, Any] = {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Weather in Paris?", "name": "alice"},
        ],
        "tools": [WEATHER_TOOL],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
        },
        "stop": ["\n\n", "END"],
        "seed": 1234,
        "n": 2,
        "max_tokens": 50,
        "max_completion_tokens": 60,
        "temperature": 0.25,
        "top_p": 0.5,
        "user": "end-user-7",
    }
    vendor = {"top_k": 40, "repetition_penalty": 1.1, "guided_json": {"type": "object"}}

    completion = client.chat.completions.create(model="gpt-test", extra_body=vendor, **sent)

    assert len(completion.choices) == 2
    body = only_request(upstream)["body"]
    assert body["model"] == "fake-model"
    for name, value in {**sent, **vendor}.items():
        assert body[name] == value, name
    assert set(body) - {"stream"} == {"model", *sent, *vendor}


def test_stop_and_max_tokens_shape_the_answer(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", content="one two three. four five")

    stopped = client.chat.completions.create(model="gpt-test", messages=USER, stop=["."])  # type: ignore[arg-type]
    limited = client.chat.completions.create(model="gpt-test", messages=USER, max_completion_tokens=2)  # type: ignore[arg-type]

    assert (stopped.choices[0].message.content, stopped.choices[0].finish_reason) == ("one two three", "stop")
    assert (limited.choices[0].message.content, limited.choices[0].finish_reason) == ("one two", "length")


def test_tool_calls_come_back_as_tool_calls(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})

    completion = client.chat.completions.create(
        model="gpt-test",
        messages=USER,  # type: ignore[arg-type]
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
        tool_choice="auto",
    )

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    [call] = choice.message.tool_calls
    assert call.type == "function" and call.id
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert call.function.arguments == '{"city": "Paris"}'  # type: ignore[union-attr]


def test_a_tool_call_without_an_id_or_arguments_is_repaired_as_a_stream_of_it_is(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    """Some OpenAI-compatible servers send no id, or ``"arguments": null``: the answer is served
    (it was a 502), with an id made up and ``{}``, whether streamed or not."""
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": None, "omit_id": True})

    completion = client.chat.completions.create(
        model="gpt-test",
        messages=USER,  # type: ignore[arg-type]
        tools=[WEATHER_TOOL],  # type: ignore[list-item]
    )

    [call] = completion.choices[0].message.tool_calls or []
    assert call.id and call.function.name == "get_weather"  # type: ignore[union-attr]
    assert call.function.arguments == "{}"  # type: ignore[union-attr]


def test_a_tool_result_conversation_passes_through(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
    ]

    completion = client.chat.completions.create(model="gpt-test", messages=messages, tools=[WEATHER_TOOL])  # type: ignore[list-item]

    assert completion.choices[0].message.content == DEFAULT_CONTENT
    assert only_request(upstream)["body"]["messages"] == messages


# ---------------------------------------------------------------- embeddings


def test_float_embeddings_have_the_requested_dimensions(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-embed", embedding_dims=16)

    raw = client.embeddings.with_raw_response.create(
        model="emb-test", input=["first text", "second text"], encoding_format="float"
    )
    response = raw.parse()

    assert response.model == "emb-test"
    assert [d.index for d in response.data] == [0, 1]
    assert all(len(d.embedding) == 16 for d in response.data)
    assert response.data[0].embedding != response.data[1].embedding
    assert response.usage.prompt_tokens == 4
    assert raw.headers["x-strata-model"] == "emb-test"
    recorded = only_request(upstream)
    assert recorded["path"] == "/v1/embeddings"
    assert recorded["body"]["model"] == "fake-embed"


def test_base64_embeddings_the_sdk_default_decode_to_the_same_vectors(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    as_floats = client.embeddings.create(model="emb-test", input="same text", encoding_format="float")
    by_default = client.embeddings.create(model="emb-test", input="same text", dimensions=8)

    assert by_default.model == "emb-test"
    assert len(by_default.data[0].embedding) == 8
    assert by_default.data[0].embedding == pytest.approx(as_floats.data[0].embedding)
    requests = upstream.requests()
    assert requests[1]["body"]["encoding_format"] == "base64"
    assert requests[1]["body"]["dimensions"] == 8


def test_base64_embeddings_are_returned_as_base64_when_asked(
    upstream: FakeUpstream, shared_gateway: RunningGateway
) -> None:
    response = httpx.post(
        f"{shared_gateway.openai_base}/embeddings",
        json={"model": "emb-test", "input": "abc", "encoding_format": "base64"},
        headers=shared_gateway.headers(),
    )

    assert response.status_code == 200, response.text
    vector = response.json()["data"][0]["embedding"]
    assert isinstance(vector, str)
    assert len(struct.unpack("<8f", base64.b64decode(vector))) == 8


def test_embeddings_on_a_chat_only_model_are_refused(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="gpt-test", input="x")

    assert caught.value.status_code == 400
    assert upstream.requests() == []


# ---------------------------------------------------------------- models


def test_models_lists_every_public_model(client: openai.OpenAI) -> None:
    ids = [m.id for m in client.models.list()]

    assert sorted(ids) == sorted(["gpt-test", "org/model-a", "emb-test", "gpt-slow", "gpt-down"])


@pytest.mark.parametrize("name", ["gpt-test", "org/model-a"])
def test_models_retrieve_finds_a_model_even_with_a_slash_in_its_name(client: openai.OpenAI, name: str) -> None:
    model = client.models.retrieve(name)

    assert model.id == name
    assert model.object == "model"


def test_models_retrieve_of_an_unknown_model_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("no-such-model")

    assert caught.value.status_code == 404


def test_chat_with_a_slashed_model_name_reaches_its_upstream(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="org/model-a", messages=USER)  # type: ignore[arg-type]

    assert completion.model == "org/model-a"
    assert only_request(upstream)["body"]["model"] == "model-a"


def test_usage_is_counted_when_a_plain_answer_carries_none(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    """As for a stream without usage: counted here, never billed as 0 tokens."""
    upstream.set_behaviour("fake-model", usage_in_body=False, content="one two three four")

    completion = client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    usage = completion.usage
    assert usage is not None and usage.prompt_tokens > 0 and usage.completion_tokens == 4
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
