"""A model's catalog guardrails apply to every call that may reach it: a call that fails over to a
guarded fallback never sends it the card number the guardrail masks, and its answer comes back
masked, in a plain answer and in a stream."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, closed_port_url, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

CARD = "4111 1111 1111 1111"
GUARD = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [{"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "ANONYMIZE"}]
    },
}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    catalog = {
        "guardrails": {"no-cards": GUARD},
        "models": {
            "guarded": {
                "deployments": [openai_deployment(upstream_server.url, "guarded-up")],
                "guardrails": ["no-cards"],
            },
            "primary": {
                "deployments": [openai_deployment(closed_port_url(), "down")],
                "routing": {"retries": {"attempts": 1}, "fallbacks": ["guarded"]},
            },
        },
    }
    folder: Path = tmp_path_factory.mktemp("fallbacks")
    with gateway_in_thread(yaml.safe_dump(catalog), folder, environ=ENVIRON) as running:
        yield running


def _sent(upstream: FakeUpstream) -> str:
    return str(upstream.requests()[-1]["body"]["messages"][0]["content"])


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_call_failing_over_to_a_guarded_model_gets_that_models_guardrail(
    gateway: RunningGateway, upstream: FakeUpstream, stream: bool
) -> None:
    upstream.set_behaviour("guarded-up", content=f"Your card is {CARD}.")
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        messages = [{"role": "user", "content": f"my card is {CARD}"}]
        if stream:
            answer = "".join(
                c.choices[0].delta.content or ""
                for c in client.chat.completions.create(model="primary", messages=messages, stream=True)  # type: ignore[arg-type]
                if c.choices
            )
        else:
            raw = client.chat.completions.with_raw_response.create(model="primary", messages=messages)  # type: ignore[arg-type]
            assert raw.headers["x-strata-model"] == "guarded"
            answer = raw.parse().choices[0].message.content or ""
    assert CARD not in _sent(upstream) and "{CREDIT_DEBIT_CARD_NUMBER}" in _sent(upstream)
    assert answer == "Your card is {CREDIT_DEBIT_CARD_NUMBER}."
