"""The Responses API through the unmodified openai SDK, against the fake upstream: streams (the SDK's
stream helper and raw events, in OpenAI's order), a streamed function call, and streams that fail midway
or before their first chunk."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import MakeClient
from tests.integration.responses_helpers import WEATHER, responses_gateway
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from responses_gateway(upstream_server, tmp_path_factory.mktemp("responses"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream, make_client: MakeClient) -> openai.OpenAI:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    return make_client(gateway)


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
