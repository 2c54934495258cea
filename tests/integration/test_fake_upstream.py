"""The fake upstream behaves like OpenAI (checked with the real openai SDK), and bench/loadgen drives it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
import uvloop

from bench.loadgen import run_load
from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture()
def fake(upstream: FakeUpstream) -> FakeUpstream:
    upstream.reset()
    return upstream


@pytest.fixture()
def client(fake: FakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake.url, api_key="sk-test", max_retries=0, timeout=10) as sdk:
        yield sdk


def test_chat_completion_and_recording(fake: FakeUpstream, client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "two words"}], n=2)
    assert reply.id.startswith("chatcmpl-") and reply.object == "chat.completion"
    assert reply.model == "gpt-fake"
    assert [c.index for c in reply.choices] == [0, 1]
    assert reply.choices[0].message.content == DEFAULT_CONTENT
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (5, 2 * 5)
    [recorded] = fake.requests()
    assert recorded["path"] == "/v1/chat/completions"
    assert recorded["headers"]["authorization"] == "Bearer sk-test"
    assert recorded["body"]["messages"][0]["content"] == "two words"


def test_max_tokens_and_stop(fake: FakeUpstream, client: openai.OpenAI) -> None:
    fake.set_behaviour(content="one two three four. five")
    messages = [{"role": "user", "content": "hi"}]
    short = client.chat.completions.create(model="m", messages=messages, max_tokens=2)  # type: ignore[arg-type]
    assert (short.choices[0].message.content, short.choices[0].finish_reason) == ("one two", "length")
    stopped = client.chat.completions.create(model="m", messages=messages, stop=["."])  # type: ignore[arg-type]
    assert (stopped.choices[0].message.content, stopped.choices[0].finish_reason) == (
        "one two three four",
        "stop",
    )


@pytest.mark.parametrize("split_events", [False, True])
def test_stream_with_usage(fake: FakeUpstream, client: openai.OpenAI, split_events: bool) -> None:
    fake.set_behaviour(split_events=split_events)
    stream = client.chat.completions.create(
        model="gpt-fake",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == DEFAULT_CONTENT
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 5
    stats = fake.stats()
    assert (stats["streams_started"], stats["streams_completed"], stats["streams_cancelled"]) == (1, 1, 0)


def test_stream_without_usage_when_upstream_ignores_it(fake: FakeUpstream, client: openai.OpenAI) -> None:
    fake.set_behaviour(usage_in_stream=False, chunk_count=2)
    stream = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert all(c.usage is None for c in chunks)
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 2


def test_tool_call(fake: FakeUpstream, client: openai.OpenAI) -> None:
    arguments = json.dumps({"city": "Paris", "unit": "celsius"})
    fake.set_behaviour("tooly", tool_call={"name": "get_weather", "arguments": arguments})
    messages = [{"role": "user", "content": "weather?"}]
    reply = client.chat.completions.create(model="tooly", messages=messages)  # type: ignore[arg-type]
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert call.function.name == "get_weather" and call.function.arguments == arguments  # type: ignore[union-attr]

    stream = client.chat.completions.create(model="tooly", messages=messages, stream=True)  # type: ignore[arg-type]
    pieces, names, finish = [], [], None
    for chunk in stream:
        for tc in chunk.choices[0].delta.tool_calls or []:
            names.append(tc.function.name) if tc.function and tc.function.name else None
            pieces.append(tc.function.arguments or "" if tc.function else "")
        finish = chunk.choices[0].finish_reason or finish
    assert names == ["get_weather"] and finish == "tool_calls"
    assert "".join(pieces) == arguments and len([p for p in pieces if p]) >= 2


def test_embeddings_base64_and_float_agree(fake: FakeUpstream, client: openai.OpenAI) -> None:
    result = client.embeddings.create(model="embed", input=["alpha", "beta"])  # SDK asks for base64
    assert [d.index for d in result.data] == [0, 1]
    assert len(result.data[0].embedding) == 8
    assert result.data[0].embedding != result.data[1].embedding
    assert fake.requests()[-1]["body"]["encoding_format"] == "base64"
    floats = client.embeddings.create(model="embed", input="alpha", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(result.data[0].embedding)
    assert result.usage.prompt_tokens == 2
    fake.set_behaviour("embed", embedding_dims=16)
    assert len(client.embeddings.create(model="embed", input=[1, 2, 3]).data[0].embedding) == 16


def test_rate_limit_then_recovery(fake: FakeUpstream, client: openai.OpenAI) -> None:
    fake.set_behaviour("limited", status=429, retry_after=2, fail_times=1, error_message="slow down")
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="limited", messages=messages)  # type: ignore[arg-type]
    assert info.value.response.headers["retry-after"] == "2"
    assert info.value.code == "rate_limit_exceeded" and "slow down" in info.value.message
    assert client.chat.completions.create(model="limited", messages=messages).choices  # type: ignore[arg-type]
    assert client.chat.completions.create(model="other", messages=messages).choices  # type: ignore[arg-type]


def test_error_codes_and_api_key(fake: FakeUpstream, client: openai.OpenAI) -> None:
    fake.set_behaviour("big", status=400, error_code="context_length_exceeded")
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="big", messages=messages)  # type: ignore[arg-type]
    assert info.value.code == "context_length_exceeded"
    fake.set_behaviour("locked", expected_api_key="sk-right")
    with pytest.raises(openai.AuthenticationError) as auth:
        client.chat.completions.create(model="locked", messages=messages)  # type: ignore[arg-type]
    assert auth.value.code == "invalid_api_key"


def test_drop_after_chunks_breaks_the_stream(fake: FakeUpstream, client: openai.OpenAI) -> None:
    fake.set_behaviour(drop_after_chunks=2)
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    received: list[str] = []
    with pytest.raises((httpx.HTTPError, openai.APIError)):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
    assert "".join(received) == "Hello from"
    assert fake.stats()["streams_completed"] == 0


def test_client_disconnect_counts_as_cancelled(fake: FakeUpstream) -> None:
    fake.set_behaviour(chunk_delay_ms=50)
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with httpx.Client(trust_env=False) as http:
        with http.stream("POST", f"{fake.url}/chat/completions", json=body) as response:
            next(response.iter_lines())
    deadline = time.monotonic() + 5
    while fake.stats()["streams_cancelled"] != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.stats()["streams_cancelled"] == 1


def test_in_thread_mode_serves_models() -> None:
    with FakeUpstream(in_thread=True) as fake, httpx.Client(trust_env=False) as http:
        fake.set_behaviour("gpt-x", latency_ms=1)
        ids = [m["id"] for m in http.get(f"{fake.url}/models").json()["data"]]
        assert "gpt-x" in ids
        assert fake.stats()["requests"] == 1


@pytest.mark.parametrize("stream", [False, True])
def test_loadgen_against_fake(fake: FakeUpstream, stream: bool) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": stream}
    load = run_load(
        f"{fake.url}/chat/completions",
        json.dumps(body).encode(),
        {"Authorization": "Bearer k"},
        concurrency=8,
        requests=400,
        stream=stream,
    )
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(load)
    assert (result.requests, result.errors) == (400, 0)
    assert fake.stats()["requests"] == 400 + 8  # plus one unmeasured warm-up per connection
    assert result.p50_ms is not None and result.p99_ms is not None and result.requests_per_s > 0
    assert (result.ttfb_p50_ms is not None) == stream


def test_loadgen_counts_error_statuses(fake: FakeUpstream) -> None:
    fake.set_behaviour(status=503)
    load = run_load(f"{fake.url}/embeddings", b'{"model": "e", "input": "x"}', {}, concurrency=4, requests=40)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        result = runner.run(load)
    assert (result.requests, result.errors, result.statuses) == (40, 40, {503: 40})
    assert result.p50_ms is None  # latencies are for successful responses only
