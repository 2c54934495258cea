"""The Anthropic Messages API (/v1/messages), driven by the unmodified ``anthropic`` SDK against a real
gateway over the fake OpenAI-compatible upstream: streams (the SDK's stream helper, Anthropic's events
in order, a streamed tool call) and an upstream failing mid-stream."""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.anthropic_helpers import HELLO, WEATHER_TOOL, _sent, anthropic_gateway
from tests.support.gateway import RunningGateway


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    yield from anthropic_gateway(upstream_server, tmp_path_factory.mktemp("anthropic"))


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[anthropic.Anthropic]:
    httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).raise_for_status()
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0, timeout=10) as c:
        yield c


# ---------------------------------------------------------------- streams


def test_the_stream_helper_yields_text_and_the_final_message(client: anthropic.Anthropic) -> None:
    with client.messages.stream(model="claude-fake", max_tokens=50, messages=HELLO) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == "Hello from the fake upstream." and len(pieces) > 1
    assert final.content[0].type == "text" and final.content[0].text == "Hello from the fake upstream."
    assert final.stop_reason == "end_turn" and final.model == "claude-fake"
    assert final.usage.output_tokens == 5 and final.usage.input_tokens > 0  # from message_delta


def test_the_stream_sends_anthropics_events_in_order(gateway: RunningGateway) -> None:
    body = {"model": "claude-fake", "max_tokens": 50, "messages": HELLO, "stream": True}
    headers = {"x-api-key": gateway.master_key, "anthropic-version": "2023-06-01"}
    with httpx.stream("POST", f"{gateway.base_url}/v1/messages", json=body, headers=headers, timeout=10) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        names = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    deltas = names.count("content_block_delta")
    assert names == [
        "message_start",
        "ping",
        "content_block_start",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]


def test_a_streamed_tool_call_arrives_as_tool_use_with_its_input(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("tools-up", tool_call={"name": "get_weather", "arguments": '{"city": "Paris"}'})
    with client.messages.stream(
        model="claude-tools", max_tokens=50, messages=HELLO, tools=[WEATHER_TOOL], tool_choice={"type": "any"}
    ) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_message()
    assert "input_json" in kinds
    assert final.stop_reason == "tool_use"
    block = final.content[0]
    assert block.type == "tool_use" and block.name == "get_weather" and block.input == {"city": "Paris"}
    sent = _sent(upstream)
    assert sent["tool_choice"] == "required"
    assert sent["tools"][0]["function"]["parameters"] == WEATHER_TOOL["input_schema"]


def test_an_upstream_failing_mid_stream_makes_the_sdk_raise(
    client: anthropic.Anthropic, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("messages-up", drop_after_chunks=2)
    with pytest.raises(anthropic.APIStatusError) as caught:
        with client.messages.stream(model="claude-fake", max_tokens=50, messages=HELLO) as stream:
            for _ in stream:
                pass
    assert caught.value.type == "api_error"
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "error"
