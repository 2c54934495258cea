"""/v1/messages over the other kinds of backend, with the unmodified ``anthropic`` SDK: a tiny local
model (translated to the canonical form and run in-process), and a Claude deployment behind litellm
(a fake Anthropic upstream records what litellm sent it: cache_control and thinking blocks kept)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import anthropic
import httpx
import pytest
import yaml

from tests.fakes import anthropic_upstream as claude_fake
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.integration.conftest import NO_RETRIES
from tests.integration.test_anthropic_messages import HELLO, WEATHER_TOOL
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.local_models import tiny_llama

# ---------------------------------------------------------------- a local model


@pytest.fixture(scope="module")
def local_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("anthropic-local")
    deployment = {"provider": "local", "path": str(tiny_llama(root / "llama")), "threads": 1, "worker": "thread"}
    catalog = yaml.safe_dump({"models": {"tiny": {"deployments": [deployment], "routing": NO_RETRIES}}})
    with gateway_in_thread(catalog, root, environ={}) as running:
        deadline = time.monotonic() + 90
        while httpx.get(f"{running.base_url}/health/ready", timeout=5).status_code != 200:
            assert time.monotonic() < deadline, "the local model did not load"
            time.sleep(0.2)
        yield running


def test_a_local_model_answers_creates_streams_and_counts(local_gateway: RunningGateway) -> None:
    with anthropic.Anthropic(base_url=local_gateway.base_url, api_key=local_gateway.master_key, max_retries=0) as c:
        ask = [{"role": "user", "content": "tell me a story"}]
        message = c.messages.create(model="tiny", max_tokens=4, system="you are a fox", messages=ask)  # type: ignore[arg-type]
        assert message.model == "tiny" and message.stop_reason in ("end_turn", "max_tokens")
        assert 0 < message.usage.output_tokens <= 4
        with c.messages.stream(model="tiny", max_tokens=4, messages=ask) as stream:  # type: ignore[arg-type]
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        assert final.content and final.content[0].type == "text" and final.content[0].text == text
        counted = c.messages.count_tokens(model="tiny", system="you are a fox", messages=ask)  # type: ignore[arg-type]
        assert counted.input_tokens == message.usage.input_tokens


# ---------------------------------------------------------------- Claude behind litellm


@pytest.fixture(scope="module")
def claude(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningGateway, FakeAnthropic]]:
    with FakeAnthropic() as fake:
        deployment = {
            "provider": "litellm",
            "model": "anthropic/claude-sonnet-4-5",
            "api_base": fake.url,
            "api_key": "${CLAUDE_KEY}",
            "timeouts": {"connect": 2, "read": 10, "total": 20},
        }
        catalog = yaml.safe_dump({"models": {"claude": {"deployments": [deployment], "routing": NO_RETRIES}}})
        folder = tmp_path_factory.mktemp("claude")
        with gateway_in_thread(catalog, folder, environ={"CLAUDE_KEY": "sk-ant-fake"}) as running:
            yield running, fake


def test_claude_behind_litellm_keeps_cache_control_and_thinking_blocks(
    claude: tuple[RunningGateway, FakeAnthropic],
) -> None:
    gateway, fake = claude
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Weather?", "cache_control": {"type": "ephemeral"}}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I should look it up.", "signature": "sig-earlier"},
                {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "sunny"}]},
    ]
    system = [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}]
    tool = {**WEATHER_TOOL, "cache_control": {"type": "ephemeral"}}
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as c:
        message = c.messages.create(
            model="claude",
            max_tokens=2048,
            system=system,  # type: ignore[arg-type]
            messages=history,  # type: ignore[arg-type]
            tools=[tool],  # type: ignore[list-item]
            thinking={"type": "enabled", "budget_tokens": 1024},
        )
    sent = fake.requests[-1]["body"]
    assert sent["system"] == system
    assert sent["messages"][0]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert sent["messages"][1]["content"][0] == {
        "type": "thinking",
        "thinking": "I should look it up.",
        "signature": "sig-earlier",
    }
    assert sent["tools"][0]["cache_control"] == {"type": "ephemeral"}
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    thinking, text = message.content
    assert thinking.type == "thinking" and thinking.signature == claude_fake.SIGNATURE
    assert thinking.thinking == claude_fake.THINKING
    assert text.type == "text" and text.text == claude_fake.REPLY
    usage = message.usage
    assert (usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (11, 7, 3)


def test_claude_behind_litellm_streams_thinking_with_its_signature(
    claude: tuple[RunningGateway, FakeAnthropic],
) -> None:
    gateway, _ = claude
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as c:
        with c.messages.stream(
            model="claude", max_tokens=2048, messages=HELLO, thinking={"type": "enabled", "budget_tokens": 1024}
        ) as stream:
            kinds = [event.type for event in stream]
            final = stream.get_final_message()
    assert "thinking" in kinds and "signature" in kinds
    thinking, text = final.content
    assert thinking.type == "thinking" and thinking.thinking == claude_fake.THINKING
    assert thinking.signature == claude_fake.SIGNATURE
    assert text.type == "text" and text.text == claude_fake.REPLY
