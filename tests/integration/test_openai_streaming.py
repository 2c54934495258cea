"""Streaming chat through the gateway with the real openai SDK: relay, usage, disconnects, drops."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import USER, MakeClient, StartGateway, catalog_yaml, openai_deployment
from tests.support.gateway import RunningGateway


def stream_chunks(client: openai.OpenAI, **params: Any) -> list[Any]:
    params.setdefault("model", "gpt-test")
    params.setdefault("messages", USER)
    return list(client.chat.completions.create(stream=True, **params))


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def wait_for(predicate: Any, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def test_stream_chunks_assemble_to_the_answer_under_the_public_name(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-test", messages=USER, stream=True)  # type: ignore[arg-type]
    chunks = list(raw.parse())

    assert text_of(chunks) == DEFAULT_CONTENT
    assert len(chunks) >= 5
    assert {c.model for c in chunks} == {"gpt-test"}
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert raw.headers["x-request-id"]
    assert raw.headers["x-strata-model"] == "gpt-test"
    assert raw.headers["x-strata-deployment"] == "gpt-test/0"
    [recorded] = upstream.requests()
    assert recorded["body"]["model"] == "fake-model" and recorded["body"]["stream"] is True


def test_include_usage_gives_a_final_usage_chunk(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    chunks = stream_chunks(client, stream_options={"include_usage": True})

    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.completion_tokens == 5 and last.usage.prompt_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
    assert text_of(chunks) == DEFAULT_CONTENT


def test_without_include_usage_the_caller_gets_no_usage_chunk(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    chunks = stream_chunks(client)

    assert text_of(chunks) == DEFAULT_CONTENT
    assert all(c.usage is None for c in chunks)
    assert all(c.choices for c in chunks)
    # The gateway still asked the upstream for usage, to account for the call.
    [recorded] = upstream.requests()
    assert recorded["body"]["stream_options"] == {"include_usage": True}


def test_without_include_usage_the_wire_has_no_usage_field(
    upstream: FakeUpstream, shared_gateway: RunningGateway
) -> None:
    body = {"model": "gpt-test", "messages": USER, "stream": True}
    with httpx.stream(
        "POST", f"{shared_gateway.openai_base}/chat/completions", json=body, headers=shared_gateway.headers()
    ) as response:
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]

    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks and all("usage" not in c for c in chunks)


def test_usage_is_counted_when_the_upstream_sends_none(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", usage_in_stream=False)

    chunks = stream_chunks(client, stream_options={"include_usage": True})

    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert last.usage.prompt_tokens > 0
    assert last.usage.completion_tokens > 0
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert last.model == "gpt-test"
    assert text_of(chunks) == DEFAULT_CONTENT


def test_sse_events_cut_mid_json_are_reassembled(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", split_events=True, content="a b c d e f g h i j")

    chunks = stream_chunks(client, stream_options={"include_usage": True})

    assert text_of(chunks) == "a b c d e f g h i j"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 10


def test_chunks_are_relayed_as_they_arrive_not_buffered(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", content="one two three", chunk_delay_ms=300)

    started = time.monotonic()
    arrivals: list[tuple[float, str]] = []
    for chunk in client.chat.completions.create(model="gpt-test", messages=USER, stream=True):  # type: ignore[arg-type]
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append((time.monotonic() - started, chunk.choices[0].delta.content))
    ended = time.monotonic() - started

    assert "".join(text for _, text in arrivals) == "one two three"
    first_content = arrivals[0][0]
    # The upstream spaces its events 300 ms apart; a buffering relay would deliver them together.
    assert first_content < 1.0
    assert ended - first_content >= 0.8, (first_content, ended)
    assert arrivals[-1][0] - arrivals[0][0] >= 0.4, arrivals


def test_tool_call_deltas_stream_through(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    arguments = '{"city": "Paris", "unit": "celsius"}'
    upstream.set_behaviour("fake-model", tool_call={"name": "get_weather", "arguments": arguments})

    chunks = stream_chunks(client, tools=[{"type": "function", "function": {"name": "get_weather"}}])

    deltas = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert len(deltas) >= 3
    assert deltas[0].id and deltas[0].function.name == "get_weather"
    assert all(d.index == 0 for d in deltas)
    assert "".join(d.function.arguments or "" for d in deltas) == arguments
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_a_client_that_disconnects_cancels_the_upstream_stream(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    # 30 chunks 200 ms apart: about 6 s if nobody cancelled it.
    upstream.set_behaviour("fake-model", content=" ".join(["word"] * 30), chunk_delay_ms=200)

    stream = client.chat.completions.create(model="gpt-test", messages=USER, stream=True)  # type: ignore[arg-type]
    first = next(iter(stream))
    stream.close()
    closed_at = time.monotonic()

    assert first.model == "gpt-test"
    assert wait_for(lambda: upstream.stats()["streams_cancelled"] >= 1, timeout=2.0), upstream.stats()
    assert time.monotonic() - closed_at < 2.0
    assert upstream.stats()["streams_completed"] == 0


def test_a_raw_http_client_that_hangs_up_cancels_the_upstream_stream(
    upstream: FakeUpstream, shared_gateway: RunningGateway
) -> None:
    upstream.set_behaviour("fake-model", content=" ".join(["word"] * 30), chunk_delay_ms=200)
    body = {"model": "gpt-test", "messages": USER, "stream": True}

    with httpx.Client(timeout=10) as http:
        with http.stream(
            "POST", f"{shared_gateway.openai_base}/chat/completions", json=body, headers=shared_gateway.headers()
        ) as response:
            assert response.status_code == 200
            next(response.iter_lines())

    assert wait_for(lambda: upstream.stats()["streams_cancelled"] >= 1, timeout=2.0), upstream.stats()


def test_an_upstream_that_drops_mid_stream_makes_the_sdk_raise(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=2)

    received: list[Any] = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in client.chat.completions.create(model="gpt-test", messages=USER, stream=True):  # type: ignore[arg-type]
            received.append(chunk)

    assert text_of(received) == "Hello from"
    assert caught.value.message
    assert isinstance(caught.value.body, dict) and caught.value.body.get("type") == "upstream_error"
    assert upstream.stats()["streams_dropped"] == 1


def test_the_gateway_keeps_serving_after_an_upstream_drop(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", drop_after_chunks=1)
    for _ in range(3):
        with pytest.raises(openai.APIError):
            stream_chunks(client)
    upstream.set_behaviour("fake-model")

    assert text_of(stream_chunks(client)) == DEFAULT_CONTENT
    completion = client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    assert completion.choices[0].message.content == DEFAULT_CONTENT


@pytest.mark.parametrize(
    ("knobs", "status"),
    [({"status": 429, "retry_after": 3}, 429), ({"status": 500}, 502), ({"status": 400}, 400)],
)
def test_a_stream_that_fails_before_its_first_chunk_is_a_plain_http_error(
    upstream: FakeUpstream, client: openai.OpenAI, knobs: dict[str, Any], status: int
) -> None:
    upstream.set_behaviour("fake-model", **knobs)

    with pytest.raises(openai.APIStatusError) as caught:
        stream_chunks(client)

    assert caught.value.status_code == status
    assert caught.value.response.headers["content-type"].startswith("application/json")


def test_a_stream_that_stalls_longer_than_the_read_timeout_ends_with_an_error_event(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    # gpt-slow's read timeout is 0.5 s; the upstream now waits 1.2 s between events.
    upstream.set_behaviour("slow-model", chunk_delay_ms=1200)

    received: list[Any] = []
    started = time.monotonic()
    with pytest.raises(openai.APIError) as caught:
        for chunk in client.chat.completions.create(model="gpt-slow", messages=USER, stream=True):  # type: ignore[arg-type]
            received.append(chunk)

    assert time.monotonic() - started < 3.0  # the read timeout (0.5 s) fired, not the total limit (5 s)
    assert received and received[0].model == "gpt-slow"
    assert isinstance(caught.value.body, dict) and caught.value.body.get("type") == "timeout"


def test_a_stream_that_outlives_the_total_time_limit_ends_with_an_error_event(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    timeouts = {"connect": 1, "read": 2, "total": 1}
    gateway = start_gateway(catalog_yaml({"gpt-test": [openai_deployment(upstream.url, timeouts=timeouts)]}))
    upstream.set_behaviour("fake-model", content=" ".join(["word"] * 20), chunk_delay_ms=200)

    received: list[Any] = []
    started = time.monotonic()
    with pytest.raises(openai.APIError) as caught:
        for chunk in make_client(gateway).chat.completions.create(model="gpt-test", messages=USER, stream=True):
            received.append(chunk)

    assert 0.9 < time.monotonic() - started < 2.0
    assert 2 <= len(received) < 10
    assert isinstance(caught.value.body, dict) and caught.value.body.get("type") == "timeout"
    assert wait_for(lambda: upstream.stats()["streams_cancelled"] >= 1, timeout=2.0), upstream.stats()


def test_concurrent_streams_do_not_mix(upstream: FakeUpstream, shared_gateway: RunningGateway) -> None:
    upstream.set_behaviour("fake-model", content="alpha beta gamma delta", chunk_delay_ms=20)
    upstream.set_behaviour("model-a", content="one two three four five", chunk_delay_ms=20)

    async def one(sdk: openai.AsyncOpenAI, model: str) -> tuple[str, str, set[str]]:
        stream = await sdk.chat.completions.create(model=model, messages=USER, stream=True)  # type: ignore[arg-type]
        chunks = [chunk async for chunk in stream]
        return model, text_of(chunks), {c.id for c in chunks}

    async def run_all() -> list[tuple[str, str, set[str]]]:
        async with openai.AsyncOpenAI(
            base_url=shared_gateway.openai_base, api_key=shared_gateway.master_key, max_retries=0, timeout=10
        ) as sdk:
            return await asyncio.gather(*(one(sdk, ("gpt-test", "org/model-a")[i % 2]) for i in range(20)))

    results = asyncio.run(run_all())

    expected = {"gpt-test": "alpha beta gamma delta", "org/model-a": "one two three four five"}
    for model, text, ids in results:
        assert text == expected[model]
        assert len(ids) == 1
    assert len({next(iter(ids)) for _, _, ids in results}) == 20
