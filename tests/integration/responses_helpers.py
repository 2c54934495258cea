"""What the Responses API tests (test_openai_responses_*.py) share: a function tool, a gateway over the
fake upstream with a plain and a guarded model, and the chat messages the upstream received."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, openai_deployment
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


def responses_gateway(upstream_server: FakeUpstream, folder: Path) -> Iterator[RunningGateway]:
    """A gateway with a plain model and one behind a PII guardrail, flushing usage every 0.05 s
    (the body of each test module's `gateway` fixture)."""
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
    with gateway_in_thread(catalog, folder, environ=ENVIRON, usage_flush_interval_s=0.05) as running:
        yield running


def upstream_messages(upstream: FakeUpstream) -> list[list[dict[str, Any]]]:
    """The messages of every chat call the upstream received, in order."""
    return [r["body"]["messages"] for r in upstream.requests() if r["path"] == "/v1/chat/completions"]
