"""What the Anthropic Messages API tests (test_anthropic_messages*.py) share: a gateway over the fake
OpenAI-compatible upstream with a model for each case (tools, failures, a quota, a dead upstream, a
guardrail), what the upstream was sent, and usage records."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, closed_port_url, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

HELLO = [{"role": "user", "content": "Say hello."}]
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The weather in a city.",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
BLOCKED = "Sorry, that topic is off limits."


def _catalog(api_base: str) -> str:
    def model(upstream_model: str, **extra: Any) -> dict[str, Any]:
        return {"deployments": [openai_deployment(api_base, upstream_model, **extra)], "routing": NO_RETRIES}

    models = {
        "claude-fake": model("messages-up", vision=True),
        "claude-proxy": model("proxy-up", anthropic_extensions=True),
        "claude-tools": model("tools-up"),
        "claude-failing": model("failing-up"),
        "claude-rpm": {**model("rpm-up"), "limits": {"rpm": 1}},
        "claude-down": {"deployments": [openai_deployment(closed_port_url())], "routing": NO_RETRIES},
    }
    guardrail = {
        "blockedInputMessaging": BLOCKED,
        "blockedOutputsMessaging": BLOCKED,
        "wordPolicyConfig": {"wordsConfig": [{"text": "nightingale"}]},
    }
    return yaml.safe_dump({"guardrails": {"words": guardrail}, "models": models})


def anthropic_gateway(upstream_server: FakeUpstream, folder: Path) -> Iterator[RunningGateway]:
    """A gateway over `_catalog`, flushing usage every 0.05 s (the body of each test module's `gateway` fixture)."""
    catalog = _catalog(upstream_server.url)
    with gateway_in_thread(catalog, folder, environ=ENVIRON, usage_flush_interval_s=0.05) as running:
        yield running


def _sent(upstream: FakeUpstream) -> dict[str, Any]:
    """The body of the last chat request the upstream received."""
    chats = [r for r in upstream.requests() if r["path"].endswith("/chat/completions")]
    assert chats, "the upstream was not called"
    body: dict[str, Any] = chats[-1]["body"]
    return body


def _record(gateway: RunningGateway, request_id: str) -> dict[str, Any]:
    for _ in range(100):
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=gateway.headers()
        ).json()["rows"]
        if rows:
            return dict(rows[0])
        time.sleep(0.05)
    raise AssertionError(f"no usage record for {request_id}")
