"""A streamed answer is masked exactly as the same answer not streamed, seen from real clients: with
several masking guardrails in turn, with a match in an early check window of a long answer, with
grounding sources and a query travelling beside the answer; and a guardrail the caller adds never
shows what a model's default guardrail masked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment
from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread

PII = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": "EMAIL", "action": "ANONYMIZE"},
            {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "ANONYMIZE"},
        ],
        "regexesConfig": [{"name": "ticket", "pattern": r"\bTCK-\d{6}\b", "action": "ANONYMIZE"}],
    },
}
ORDERS = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "sensitiveInformationPolicyConfig": {
        "regexesConfig": [{"name": "order", "pattern": r"ORDER-\d{4}", "action": "ANONYMIZE"}]
    },
}
USER = [{"role": "user", "content": "Hello."}]
FILLER = "The quick brown fox jumps over the lazy dog again and again. "


def _catalog(api_base: str) -> str:
    return yaml.safe_dump(
        {
            "guardrails": {"pii": PII, "pii-copy": PII, "orders": ORDERS},
            "models": {
                "open": {"deployments": [openai_deployment(api_base, "open-up")]},
                "guarded": {"deployments": [openai_deployment(api_base, "guarded-up")], "guardrails": ["pii"]},
            },
        }
    )


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("stream-masks")
    with gateway_in_thread(_catalog(upstream_server.url), folder, environ=ENVIRON) as g:
        yield g


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as c:
        yield c


def _both(client: openai.OpenAI, model: str, guardrails: str | None) -> tuple[str, str]:
    """(the answer not streamed, the same answer streamed)."""
    headers = {"x-strata-guardrail": guardrails} if guardrails else {}
    whole = client.chat.completions.create(model=model, messages=USER, extra_headers=headers)  # type: ignore[arg-type]
    chunks = client.chat.completions.create(model=model, messages=USER, stream=True, extra_headers=headers)  # type: ignore[arg-type]
    streamed = "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)
    return whole.choices[0].message.content or "", streamed


def _converse_text(events: Any) -> str:
    return "".join(e["contentBlockDelta"]["delta"]["text"] for e in events["stream"] if "contentBlockDelta" in e)


@pytest.mark.parametrize(
    ("model", "guardrails"),
    [("open", "pii,orders"), ("open", "orders,pii"), ("guarded", "orders")],
)
def test_several_masking_guardrails_mask_a_stream_as_they_mask_the_whole_answer(
    client: openai.OpenAI, upstream: FakeUpstream, model: str, guardrails: str
) -> None:
    for answer in (
        "Mail bob.robertson@corporation.com about ORDER-1234 today please.",
        "About ORDER-1234 mail bob.robertson@corporation.com today please.",
        "ORDER-9876 and ORDER-5555, card 4111 1111 1111 1111, mail a@b.io." + " " + FILLER * 5 + "ORDER-1111 end.",
    ):
        upstream.set_behaviour(f"{model}-up", content=answer)
        whole, streamed = _both(client, model, guardrails)
        assert streamed == whole
        assert "ORDER-" not in whole and "@" not in whole and "4111" not in whole


def test_a_long_streamed_answer_with_an_early_match_is_masked_as_the_whole_answer(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    """Each check of a held window is masked by its own matches, not an earlier window's."""
    answer = (
        "First write to ann@example.com please. "
        + FILLER * 6
        + "Then write to bob@example.org and call it done. "
        + FILLER * 2
        + "End."
    )
    upstream.set_behaviour("open-up", content=answer)
    whole, streamed = _both(client, "open", "pii")
    assert whole == answer.replace("ann@example.com", "{EMAIL}").replace("bob@example.org", "{EMAIL}")
    assert streamed == whole


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_converse_stream_masks_the_answer_beside_grounding_sources_and_a_query(
    gateway: RunningGateway, upstream: FakeUpstream, mode: str
) -> None:
    upstream.set_behaviour("open-up", content="Sure, write to bob@corp.com about TCK-123456 today.")
    expected = "Sure, write to {EMAIL} about {ticket} today."
    runtime = sigv4_client("bedrock-runtime", gateway)
    config = {"guardrailIdentifier": "pii", "guardrailVersion": "DRAFT"}
    grounded = [
        {
            "guardContent": {
                "text": {"text": "Policy: contact help@corp.com for refunds.", "qualifiers": ["grounding_source"]}
            }
        },
        {"guardContent": {"text": {"text": "Who do I write to?", "qualifiers": ["query"]}}},
    ]
    marked = [
        {"guardContent": {"text": {"text": "my mail is ann@x.com, who to?", "qualifiers": ["query", "guard_content"]}}}
    ]
    for content in (grounded, marked):
        messages = [{"role": "user", "content": content}]
        answer = runtime.converse(modelId="open", messages=messages, guardrailConfig=config)
        assert answer["output"]["message"]["content"][0]["text"] == expected
        events = runtime.converse_stream(
            modelId="open", messages=messages, guardrailConfig={**config, "streamProcessingMode": mode}
        )
        assert _converse_text(events) == expected  # a masking guardrail streams in sync mode whatever is asked


def test_a_guardrail_the_caller_adds_never_shows_what_a_default_guardrail_masked(
    gateway: RunningGateway, client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("guarded-up", content="Sure, write to bob@corp.com or card 4111 1111 1111 1111.")
    headers = {"x-strata-guardrail": "pii-copy", "x-strata-guardrail-trace": "enabled_full"}
    reply = client.chat.completions.create(model="guarded", messages=USER, extra_headers=headers)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "Sure, write to {EMAIL} or card {CREDIT_DEBIT_CARD_NUMBER}."
    report = str(reply.model_extra["strata_guardrail"])  # type: ignore[index]
    assert "bob@corp.com" not in report and "4111" not in report
    runtime = sigv4_client("bedrock-runtime", gateway)
    answer = runtime.converse(
        modelId="guarded",
        messages=[{"role": "user", "content": [{"text": "Hello."}]}],
        guardrailConfig={"guardrailIdentifier": "pii-copy", "guardrailVersion": "DRAFT", "trace": "enabled"},
    )
    assert "bob@corp.com" not in str(answer["trace"]) and "4111" not in str(answer["trace"])
    assert answer["output"]["message"]["content"][0]["text"] == reply.choices[0].message.content
