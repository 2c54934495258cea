"""Guardrails in the pipeline on the Bedrock surface, seen from unmodified boto3: Converse speaks
guardrailConfig, trace and guardrail_intervened, guards only guardContent when a message marks
some, streams in both modes; ApplyGuardrail (and Strata's own /v1/guardrails/apply) works without
a model call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.integration.test_guardrails_pipeline import (
    BLOCKED_IN,
    BLOCKED_OUT,
    CARD,
    guarded_catalog,
    upstream_prompts,
)
from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("guarded-bedrock")
    with gateway_in_thread(guarded_catalog(upstream_server.url), folder, environ=ENVIRON) as g:
        yield g


def test_converse_speaks_guardrail_config_with_a_trace(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    runtime = sigv4_client("bedrock-runtime", gateway)
    try:
        answer = runtime.converse(
            modelId="gpt",
            messages=[{"role": "user", "content": [{"text": f"pay with {CARD}"}]}],
            guardrailConfig={"guardrailIdentifier": "pii-guard", "guardrailVersion": "DRAFT", "trace": "enabled"},
        )
    finally:
        runtime.close()
    assert answer["stopReason"] == "guardrail_intervened"
    assert answer["output"]["message"]["content"][0]["text"] == BLOCKED_IN
    assessment = answer["trace"]["guardrail"]["inputAssessment"]["pii-guard"]
    assert assessment["sensitiveInformationPolicy"]["piiEntities"][0]["type"] == "CREDIT_DEBIT_CARD_NUMBER"
    assert upstream_prompts(upstream) == []


def test_converse_guards_only_guard_content_when_it_is_marked(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    runtime = sigv4_client("bedrock-runtime", gateway)
    try:
        answer = runtime.converse(
            modelId="gpt",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"text": f"Context, not checked: {CARD}. "},
                        {"guardContent": {"text": {"text": "Is this fine?"}}},
                    ],
                }
            ],
            guardrailConfig={"guardrailIdentifier": "pii-guard", "guardrailVersion": "DRAFT"},
        )
    finally:
        runtime.close()
    assert answer["stopReason"] != "guardrail_intervened"


def test_converse_stream_in_both_modes(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("guarded-up", content="All fine until project nightingale appears")
    runtime = sigv4_client("bedrock-runtime", gateway)
    try:
        for mode, guardrail in (("sync", "pii-guard"), ("async", "words-guard")):
            config = {"guardrailIdentifier": guardrail, "guardrailVersion": "DRAFT", "streamProcessingMode": mode}
            events = list(
                runtime.converse_stream(
                    modelId="gpt", messages=[{"role": "user", "content": [{"text": "hi"}]}], guardrailConfig=config
                )["stream"]
            )
            stops = [e["messageStop"]["stopReason"] for e in events if "messageStop" in e]
            texts = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
            assert stops == ["guardrail_intervened"], (mode, events)
            assert texts.endswith(BLOCKED_OUT), (mode, texts)
            if mode == "sync":
                assert "nightingale" not in texts.lower()
    finally:
        runtime.close()


def test_apply_guardrail_checks_text_without_a_model(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    runtime = sigv4_client("bedrock-runtime", gateway)
    try:
        masked = runtime.apply_guardrail(
            guardrailIdentifier="pii-guard",
            guardrailVersion="DRAFT",
            source="INPUT",
            content=[{"text": {"text": "mail bob@example.com"}}],
        )
        clean = runtime.apply_guardrail(
            guardrailIdentifier="pii-guard",
            guardrailVersion="DRAFT",
            source="OUTPUT",
            content=[{"text": {"text": "hi"}}],
        )
    finally:
        runtime.close()
    assert masked["action"] == "GUARDRAIL_INTERVENED" and masked["outputs"] == [{"text": "mail {EMAIL}"}]
    assert clean["action"] == "NONE" and clean["outputs"] == []
    strata = httpx.post(
        f"{gateway.openai_base}/guardrails/apply",
        json={"guardrail": "pii-guard", "text": f"card {CARD}"},
        headers=gateway.headers(),
    ).json()
    assert strata["blocked"] is True and strata["outputs"] == [BLOCKED_IN]
    assert upstream_prompts(upstream) == []
