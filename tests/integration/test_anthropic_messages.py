"""The Anthropic Messages API (/v1/messages), driven by the unmodified ``anthropic`` SDK against a real
gateway over the fake OpenAI-compatible upstream: create (system prompts, cache_control and thinking,
images, max_tokens), a tool round trip and count_tokens. Streams, errors, auth and usage:
test_anthropic_messages_*.py; other backends: test_anthropic_backends.py."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.anthropic_helpers import HELLO, WEATHER_TOOL, _sent, anthropic_gateway
from tests.support.gateway import RunningGateway

PIXEL = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from anthropic_gateway(upstream_server, tmp_path_factory.mktemp("anthropic"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[anthropic.Anthropic]:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10) as c:
        yield c


# ---------------------------------------------------------------- create


def test_create_answers_in_anthropics_shape(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    message = client.messages.create(
        model="claude-fake",
        max_tokens=50,
        system="You are terse.",
        messages=HELLO,
        stop_sequences=["END"],
        extra_body={"temperature": 0.2, "top_p": 0.9, "top_k": 5},
    )
    assert message.type == "message" and message.role == "assistant"
    assert message.id.startswith("msg_") and message.model == "claude-fake"
    assert [(b.type, getattr(b, "text", None)) for b in message.content] == [("text", "Hello from the fake upstream.")]
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    assert message.usage.output_tokens == 5 and message.usage.input_tokens > 0
    assert message._request_id  # the SDK reads it from the request-id header
    sent = _sent(upstream)
    assert sent["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello."},
    ]
    assert (sent["max_tokens"], sent["stop"], sent["temperature"], sent["top_p"], sent["top_k"]) == (
        50,
        ["END"],
        0.2,
        0.9,
        5,
    )


SYSTEM_BLOCKS = [
    {"type": "text", "text": "You are a helpful assistant.", "cache_control": {"type": "ephemeral"}},
    {"type": "text", "text": "Answer in English."},
]
THINKING = {"type": "enabled", "budget_tokens": 1024}


def test_cache_control_and_thinking_stay_out_of_a_plain_openai_upstream(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    """OpenAI's API refuses fields it does not know; Claude Code sends cache_control on every call."""
    message = client.messages.create(
        model="claude-fake", max_tokens=2000, system=SYSTEM_BLOCKS, messages=HELLO, extra_body={"thinking": THINKING}
    )  # type: ignore[arg-type]
    assert message.content[0].type == "text"
    sent = _sent(upstream)
    assert "thinking" not in sent and "cache_control" not in json.dumps(sent)
    assert sent["messages"][0] == {
        "role": "system",
        "content": [
            {"type": "text", "text": "You are a helpful assistant."},
            {"type": "text", "text": "Answer in English."},
        ],
    }


def test_system_blocks_keep_their_cache_control_for_an_upstream_that_reads_it(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    client.messages.create(
        model="claude-proxy", max_tokens=2000, system=SYSTEM_BLOCKS, messages=HELLO, extra_body={"thinking": THINKING}
    )  # type: ignore[arg-type]
    sent = _sent(upstream)
    assert sent["messages"][0] == {"role": "system", "content": SYSTEM_BLOCKS}
    assert sent["thinking"] == THINKING


def test_a_base64_image_reaches_the_upstream_as_a_data_url(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    content = [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}},
        {"type": "text", "text": "What is in this picture?"},
    ]
    client.messages.create(model="claude-fake", max_tokens=20, messages=[{"role": "user", "content": content}])  # type: ignore[misc, list-item]
    parts = _sent(upstream)["messages"][0]["content"]
    assert parts == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PIXEL}"}},
        {"type": "text", "text": "What is in this picture?"},
    ]


def test_max_tokens_reached_is_the_max_tokens_stop_reason(client: anthropic.Anthropic) -> None:
    message = client.messages.create(model="claude-fake", max_tokens=2, messages=HELLO)
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "text" and message.content[0].text == "Hello from"


# ---------------------------------------------------------------- tools


def test_a_tool_round_trip_sends_the_call_and_its_result_upstream(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("tools-up", tool_call={"name": "get_weather", "arguments": '{"city": "Oslo"}'})
    ask = [{"role": "user", "content": "Weather in Oslo?"}]
    first = client.messages.create(model="claude-tools", max_tokens=50, messages=ask, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    assert first.stop_reason == "tool_use"
    use = first.content[0]
    assert use.type == "tool_use" and use.input == {"city": "Oslo"}

    upstream.set_behaviour("tools-up", content="It is sunny in Oslo.")
    result = {"type": "tool_result", "tool_use_id": use.id, "content": [{"type": "text", "text": "sunny, 21 C"}]}
    history = [*ask, {"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}]
    second = client.messages.create(model="claude-tools", max_tokens=50, messages=history, tools=[WEATHER_TOOL])  # type: ignore[arg-type]
    assert second.content[0].type == "text" and second.content[0].text == "It is sunny in Oslo."
    assistant, tool = _sent(upstream)["messages"][1:]
    assert assistant["tool_calls"] == [
        {"id": use.id, "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}
    ]
    assert tool == {"role": "tool", "tool_call_id": use.id, "content": "sunny, 21 C"}


# ---------------------------------------------------------------- count_tokens


def test_count_tokens_counts_without_calling_the_model(client: anthropic.Anthropic, upstream: FakeUpstream) -> None:
    short = client.messages.count_tokens(model="claude-fake", messages=HELLO)
    longer = client.messages.count_tokens(
        model="claude-fake", system="You answer questions about the weather.", messages=HELLO, tools=[WEATHER_TOOL]
    )
    assert 0 < short.input_tokens < longer.input_tokens
    assert upstream.requests() == []
