"""The Responses API through the unmodified openai SDK, against the fake upstream: create, items,
instructions, streams (the SDK's stream helper and raw events), a function-tool round trip,
conversations continued with previous_response_id, stored responses (retrieve, input items,
delete), refusals, guardrails and usage records."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import ENVIRON, NO_RETRIES, MakeClient, assert_openai_error, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
GUARD = {
    "blockedInputMessaging": "Sorry, that request cannot be processed.",
    "blockedOutputsMessaging": "The answer was withheld.",
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": "EMAIL", "action": "ANONYMIZE"},
            {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "BLOCK"},
        ]
    },
}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    catalog = yaml.safe_dump(
        {
            "guardrails": {"pii-guard": GUARD},
            "models": {
                "gpt-test": {
                    "deployments": [openai_deployment(upstream_server.url, vision=True)],
                    "routing": NO_RETRIES,
                },
                "guarded": {
                    "deployments": [openai_deployment(upstream_server.url, "guarded-up")],
                    "guardrails": ["pii-guard"],
                    "routing": NO_RETRIES,
                },
            },
        }
    )
    folder: Path = tmp_path_factory.mktemp("responses")
    with gateway_in_thread(catalog, folder, environ=ENVIRON, usage_flush_interval_s=0.05) as running:
        yield running


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream, make_client: MakeClient) -> openai.OpenAI:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    return make_client(gateway)


def upstream_messages(upstream: FakeUpstream) -> list[list[dict[str, Any]]]:
    """The messages of every chat call the upstream received, in order."""
    return [r["body"]["messages"] for r in upstream.requests() if r["path"] == "/v1/chat/completions"]


# ---------------------------------------------------------------- create


def test_a_string_input_is_answered_under_the_public_model_name(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    raw = client.responses.with_raw_response.create(model="gpt-test", input="Say hello.")
    response = raw.parse()

    assert response.id.startswith("resp_") and response.object == "response"
    assert response.status == "completed" and response.model == "gpt-test"
    assert response.output_text == DEFAULT_CONTENT
    assert response.output[0].type == "message" and response.output[0].id.startswith("msg_")
    assert response.usage is not None
    assert response.usage.output_tokens == 5 and response.usage.input_tokens > 0
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    assert raw.headers["x-strata-model"] == "gpt-test" and raw.headers["x-request-id"]
    [request] = upstream.requests()
    assert request["body"]["model"] == "fake-model"
    assert request["body"]["messages"] == [{"role": "user", "content": "Say hello."}]


def test_instructions_and_input_items_reach_the_upstream_as_chat_messages(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    client.responses.create(
        model="gpt-test",
        instructions="Answer in French.",
        input=[
            {"role": "user", "content": "Hi."},
            {"role": "assistant", "content": "Bonjour."},
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this picture?"},
                    {"type": "input_image", "image_url": image, "detail": "low"},
                ],
            },
        ],
        max_output_tokens=64,
        temperature=0.3,
        top_p=0.9,
        metadata={"ticket": "42"},
        user="user-7",
    )
    [body] = [r["body"] for r in upstream.requests()]
    assert body["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi."},
        {"role": "assistant", "content": "Bonjour."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this picture?"},
                {"type": "image_url", "image_url": {"url": image, "detail": "low"}},
            ],
        },
    ]
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["user"]) == (64, 0.3, 0.9, "user-7")
    assert "metadata" not in body and "store" not in body


def test_text_format_json_schema_reaches_the_upstream_as_response_format(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    schema = {"type": "object", "properties": {"greeting": {"type": "string"}}, "required": ["greeting"]}
    upstream.set_behaviour("fake-model", content='{"greeting": "hello"}')
    response = client.responses.create(
        model="gpt-test",
        input="Greet me as JSON.",
        text={"format": {"type": "json_schema", "name": "greeting", "schema": schema, "strict": True}},
    )
    assert response.output_text == '{"greeting": "hello"}'
    assert response.text is not None and response.text.format is not None and response.text.format.type == "json_schema"
    [body] = [r["body"] for r in upstream.requests()]
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "greeting", "schema": schema, "strict": True},
    }


def test_an_answer_cut_by_max_output_tokens_is_incomplete(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-test", input="Say hello.", max_output_tokens=2)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.output_text == "Hello from"


# ---------------------------------------------------------------- conversations and tools


def test_previous_response_id_sends_the_earlier_turns_to_the_upstream(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    first = client.responses.create(model="gpt-test", input="My name is Ada.", instructions="Be kind.")
    second = client.responses.create(model="gpt-test", input="What is my name?", previous_response_id=first.id)
    third = client.responses.create(model="gpt-test", input="And again?", previous_response_id=second.id)

    assert third.previous_response_id == second.id and third.output_text == DEFAULT_CONTENT
    assert upstream_messages(upstream)[-1] == [  # instructions are not carried over, as at OpenAI
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": DEFAULT_CONTENT},
        {"role": "user", "content": "What is my name?"},
        {"role": "assistant", "content": DEFAULT_CONTENT},
        {"role": "user", "content": "And again?"},
    ]


def test_a_function_tool_round_trip(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    asked = client.responses.create(model="gpt-test", input="Weather in Paris?", tools=[WEATHER])  # type: ignore[list-item]

    [call] = [item for item in asked.output if item.type == "function_call"]
    assert (call.name, call.arguments, call.status) == ("get_weather", '{"city": "Paris"}', "completed")
    assert call.call_id.startswith("call-") and call.id is not None and call.id.startswith("fc_")
    first_body = upstream.requests()[0]["body"]
    assert first_body["tools"] == [
        {
            "type": "function",
            "function": {k: WEATHER[k] for k in ("name", "description", "parameters")},
        }
    ]

    upstream.set_behaviour("fake-model", content="It is sunny in Paris.")
    answer = client.responses.create(
        model="gpt-test",
        previous_response_id=asked.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"sky": "sunny"}'}],
        tools=[WEATHER],  # type: ignore[list-item]
    )
    assert answer.output_text == "It is sunny in Paris."
    tool_call = {
        "id": call.call_id,
        "type": "function",
        "function": {"name": "get_weather", "arguments": call.arguments},
    }
    assert upstream_messages(upstream)[-1] == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [tool_call]},
        {"role": "tool", "tool_call_id": call.call_id, "content": '{"sky": "sunny"}'},
    ]


def test_a_stateless_round_trip_sends_the_function_call_back_as_an_item(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    response = client.responses.create(
        model="gpt-test",
        store=False,
        input=[
            {"role": "user", "content": "Weather in Oslo?"},
            {"type": "function_call", "call_id": "call_9", "name": "get_weather", "arguments": '{"city":"Oslo"}'},
            {"type": "function_call_output", "call_id": "call_9", "output": "snow"},
        ],
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice="auto",
        parallel_tool_calls=False,
    )
    assert response.output_text == DEFAULT_CONTENT and response.parallel_tool_calls is False
    body = upstream.requests()[-1]["body"]
    assert body["messages"][1]["tool_calls"][0]["id"] == "call_9"
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "call_9", "content": "snow"}
    assert body["tool_choice"] == "auto" and body["parallel_tool_calls"] is False


# ---------------------------------------------------------------- streams


def test_the_stream_helper_accumulates_the_answer_and_its_usage(client: openai.OpenAI) -> None:
    deltas: list[str] = []
    with client.responses.stream(model="gpt-test", input="Say hello.") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()

    assert "".join(deltas) == DEFAULT_CONTENT and len(deltas) > 1
    assert final.output_text == DEFAULT_CONTENT and final.status == "completed"
    assert final.usage is not None and final.usage.output_tokens == 5
    stored = client.responses.retrieve(final.id)  # stored before response.completed was sent
    assert stored.output_text == DEFAULT_CONTENT


def test_raw_stream_events_come_in_openai_order_numbered_in_sequence(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model="gpt-test", input="Say hello.", stream=True))

    kinds = [event.type for event in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.id == events[0].response.id  # type: ignore[union-attr]


def test_a_streamed_function_call(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": '{"city": "Rome"}'})
    with client.responses.stream(model="gpt-test", input="Weather in Rome?", tools=[WEATHER]) as stream:  # type: ignore[list-item]
        pieces = [e.delta for e in stream if e.type == "response.function_call_arguments.delta"]
        final = stream.get_final_response()

    assert "".join(pieces) == '{"city": "Rome"}' and len(pieces) > 1
    [call] = final.output
    assert call.type == "function_call" and call.arguments == '{"city": "Rome"}' and call.name == "get_weather"


def test_a_stream_that_fails_midway_ends_with_error_and_response_failed(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=2)
    events = list(client.responses.create(model="gpt-test", input="Say hello.", stream=True))

    kinds = [event.type for event in events]
    assert kinds[-2:] == ["error", "response.failed"] and "response.completed" not in kinds
    failed = events[-1]
    assert failed.type == "response.failed" and failed.response.status == "failed"
    assert failed.response.error is not None and failed.response.error.message
    with pytest.raises(openai.NotFoundError):  # a failed response is not stored
        client.responses.retrieve(failed.response.id)


def test_a_stream_that_fails_before_its_first_chunk_is_a_plain_http_error(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=3)
    with pytest.raises(openai.RateLimitError) as caught:
        client.responses.create(model="gpt-test", input="Say hello.", stream=True)
    assert caught.value.response.headers["retry-after"] == "3"


# ---------------------------------------------------------------- stored responses


def test_retrieve_list_input_items_and_delete(client: openai.OpenAI) -> None:
    created = client.responses.create(
        model="gpt-test",
        input=[
            {"role": "user", "content": "one"},
            {"role": "user", "content": [{"type": "input_text", "text": "two"}]},
        ],
        metadata={"ticket": "7"},
    )
    stored = client.responses.retrieve(created.id)
    assert stored.model_dump() == created.model_dump()
    assert stored.metadata == {"ticket": "7"}

    items = client.responses.input_items.list(created.id, order="asc")
    assert [item.content[0].text for item in items.data] == ["one", "two"]  # type: ignore[union-attr]
    assert all(item.id.startswith("msg_") for item in items.data)  # type: ignore[union-attr]

    client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-test", input="more", previous_response_id=created.id)


def test_store_false_keeps_nothing(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-test", input="Say hello.", store=False)
    assert response.output_text == DEFAULT_CONTENT
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)
    with pytest.raises(openai.NotFoundError) as caught:
        client.responses.create(model="gpt-test", input="more", previous_response_id=response.id)
    assert caught.value.body["param"] == "previous_response_id"  # type: ignore[index]


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tools": [{"type": "web_search"}]}, "tools[0].type"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0]"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]},
            "input[0].content[0].type",
        ),
        ({"background": True}, "background"),
        ({"input": [{"role": "user", "content": [{"type": [], "text": "hi"}]}]}, "input[0].content[0].type"),
        ({"input": [{"role": "user", "content": [{"type": {"a": 1}, "text": "hi"}]}]}, "input[0].content[0].type"),
    ],
)
def test_what_the_gateway_cannot_do_is_a_400_the_sdk_raises(
    client: openai.OpenAI, upstream: FakeUpstream, extra: dict[str, Any], param: str
) -> None:
    body: dict[str, Any] = {"model": "gpt-test", "input": "Say hello.", **extra}
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(**body)
    assert caught.value.body["param"] == param  # type: ignore[index]
    assert upstream.requests() == []


def test_a_body_without_input_is_a_400_in_openai_shape(gateway: RunningGateway) -> None:
    response = httpx.post(f"{gateway.openai_base}/responses", json={"model": "gpt-test"}, headers=gateway.headers())
    error = assert_openai_error(response, 400)
    assert error["param"] == "input"


# ---------------------------------------------------------------- guardrails and usage


def test_masked_input_is_stored_masked_and_a_blocked_prompt_is_answered_by_the_guardrail(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    first = client.responses.create(model="guarded", input="Mail bob@example.com today.")
    assert first.model_extra is not None and first.model_extra["strata_guardrail"]["action"] == "GUARDRAIL_INTERVENED"
    client.responses.create(model="guarded", input="Thanks.", previous_response_id=first.id)
    assert upstream_messages(upstream)[-1][0] == {"role": "user", "content": "Mail {EMAIL} today."}

    blocked = client.responses.create(model="guarded", input="Charge 4111 1111 1111 1111.")
    assert blocked.output_text == "Sorry, that request cannot be processed."
    assert blocked.status == "incomplete" and blocked.incomplete_details is not None
    assert blocked.incomplete_details.reason == "content_filter"
    assert len(upstream_messages(upstream)) == 2, "the blocked prompt never reached the model"


def test_the_usage_record_names_the_openai_surface_with_metadata(
    gateway: RunningGateway, client: openai.OpenAI
) -> None:
    raw = client.responses.with_raw_response.create(
        model="gpt-test", input="Say hello.", metadata={"ticket": "9"}, user="u-1"
    )
    response = raw.parse()
    request_id = raw.headers["x-request-id"]
    for _ in range(100):
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=gateway.headers()
        ).json()["rows"]
        if rows:
            break
        time.sleep(0.05)
    [record] = rows
    assert record["surface"] == "openai" and record["model"] == "gpt-test" and record["status"] == 200
    assert response.usage is not None
    assert (record["prompt_tokens"], record["completion_tokens"]) == (
        response.usage.input_tokens,
        response.usage.output_tokens,
    )
    assert record["request_metadata"] == {"ticket": "9", "user": "u-1"}


def test_langchain_chat_openai_on_the_responses_api_continues_by_previous_response_id(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    from langchain_core.messages import HumanMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        model="gpt-test",
        base_url=gateway.openai_base,
        api_key=gateway.master_key,  # type: ignore[arg-type]
        use_responses_api=True,
        use_previous_response_id=True,
        max_retries=0,
    )
    first = llm.invoke([HumanMessage("My name is Ada.")])
    assert first.text == DEFAULT_CONTENT and first.usage_metadata is not None
    second = llm.invoke([HumanMessage("My name is Ada."), first, HumanMessage("What is my name?")])
    assert second.text == DEFAULT_CONTENT
    assert upstream_messages(upstream)[-1] == [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": DEFAULT_CONTENT},
        {"role": "user", "content": "What is my name?"},
    ]
    streamed = "".join(chunk.text for chunk in llm.stream("Say hello."))
    assert streamed == DEFAULT_CONTENT
