"""The Responses API through the unmodified openai SDK, against the fake upstream: conversations
continued with previous_response_id (by the SDK and by LangChain's ChatOpenAI), a function-tool round
trip, and stored responses (retrieve, input items, delete; store=false keeps nothing)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import MakeClient
from tests.integration.responses_helpers import WEATHER, responses_gateway, upstream_messages
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from responses_gateway(upstream_server, tmp_path_factory.mktemp("responses"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream, make_client: MakeClient) -> openai.OpenAI:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    return make_client(gateway)


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


# ---------------------------------------------------------------- other clients


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
