"""Guardrails as each client names and reports them: ApplyGuardrail by ARN, with Bedrock's own
exceptions for a bad version or an unknown guardrail; InvokeModel's trace levels and its streams'
last chunk; the OpenAI surface's ``x-strata-guardrail-trace`` levels."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment
from tests.support.bedrock import sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread

BLOCKED_OUT = "The answer was withheld."
GUARD = {
    "blockedInputMessaging": "Sorry, that request cannot be processed.",
    "blockedOutputsMessaging": BLOCKED_OUT,
    "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]},
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": "EMAIL", "action": "ANONYMIZE"},
            {"type": "IP_ADDRESS", "action": "NONE"},  # detected, reported, not acted on
        ]
    },
}
ANTHROPIC_BODY = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 50}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("surfaces")
    catalog = yaml.safe_dump(
        {
            "guardrails": {"guard": GUARD, "words": {**GUARD, "sensitiveInformationPolicyConfig": None}},
            "models": {
                "anthropic.claude-3-haiku": {"deployments": [openai_deployment(upstream_server.url, "up")]},
            },
        }
    )
    with gateway_in_thread(catalog, folder, environ=ENVIRON) as g:
        yield g


@pytest.fixture()
def runtime(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[Any]:
    client = sigv4_client("bedrock-runtime", gateway)
    yield client
    client.close()


def _arn(gateway: RunningGateway) -> str:
    bedrock = sigv4_client("bedrock", gateway)
    try:
        return str(bedrock.get_guardrail(guardrailIdentifier="guard")["guardrailArn"])
    finally:
        bedrock.close()


def test_apply_guardrail_takes_the_guardrails_arn(gateway: RunningGateway, runtime: Any) -> None:
    answer = runtime.apply_guardrail(
        guardrailIdentifier=_arn(gateway),
        guardrailVersion="DRAFT",
        source="INPUT",
        content=[{"text": {"text": "Mail ana@example.com today."}}],
    )
    assert answer["action"] == "GUARDRAIL_INTERVENED"
    assert answer["outputs"] == [{"text": "Mail {EMAIL} today."}]


def test_apply_guardrail_names_a_bad_version_and_an_unknown_guardrail_as_bedrock_does(runtime: Any) -> None:
    content = [{"text": {"text": "hi"}}]
    with pytest.raises(runtime.exceptions.ValidationException) as bad:
        runtime.apply_guardrail(guardrailIdentifier="guard", guardrailVersion="v1", source="INPUT", content=content)
    assert "guardrailVersion" in str(bad.value) and "ID:VERSION" not in str(bad.value)
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.apply_guardrail(guardrailIdentifier="nope", guardrailVersion="DRAFT", source="INPUT", content=content)
    with pytest.raises(runtime.exceptions.ResourceNotFoundException):
        runtime.apply_guardrail(guardrailIdentifier="guard", guardrailVersion="7", source="INPUT", content=content)


def _invoke(runtime: Any, trace: str, text: str) -> dict[str, Any]:
    body = {**ANTHROPIC_BODY, "messages": [{"role": "user", "content": text}]}
    answer = runtime.invoke_model(
        modelId="anthropic.claude-3-haiku",
        body=json.dumps(body),
        guardrailIdentifier="guard",
        guardrailVersion="DRAFT",
        trace=trace,
    )
    return dict(json.loads(answer["body"].read()))


def test_invoke_models_trace_levels(runtime: Any, upstream: FakeUpstream) -> None:
    prompt = "Reach me at ana@example.com from 10.0.0.1"
    full = _invoke(runtime, "ENABLED_FULL", prompt)["amazon-bedrock-trace"]["guardrail"]
    pii = full["inputAssessment"]["guard"]["sensitiveInformationPolicy"]["piiEntities"]
    assert {e["type"] for e in pii} == {"EMAIL", "IP_ADDRESS"}, "full: what was only detected too"
    enabled = _invoke(runtime, "ENABLED", prompt)["amazon-bedrock-trace"]["guardrail"]
    pii = enabled["inputAssessment"]["guard"]["sensitiveInformationPolicy"]["piiEntities"]
    assert {e["type"] for e in pii} == {"EMAIL"}, "enabled: interventions only"
    disabled = _invoke(runtime, "DISABLED", prompt)
    assert "amazon-bedrock-trace" not in disabled
    assert disabled["amazon-bedrock-guardrailAction"] == "INTERVENED"


def _stream_events(runtime: Any, body: dict[str, Any], guardrail: str = "guard") -> list[dict[str, Any]]:
    answer = runtime.invoke_model_with_response_stream(
        modelId="anthropic.claude-3-haiku",
        body=json.dumps(body),
        guardrailIdentifier=guardrail,
        guardrailVersion="DRAFT",
        trace="ENABLED",
    )
    return [
        json.loads(
            base64.b64decode(e["chunk"]["bytes"]) if isinstance(e["chunk"]["bytes"], str) else e["chunk"]["bytes"]
        )
        for e in answer["body"]
    ]


def test_an_invoke_streams_last_chunk_carries_the_guardrail_action_and_trace(
    runtime: Any, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("up", content="All fine until project nightingale appears")
    events = _stream_events(runtime, {**ANTHROPIC_BODY, "messages": [{"role": "user", "content": "hi"}]})
    last = events[-1]
    assert last["amazon-bedrock-guardrailAction"] == "INTERVENED"
    assert "outputAssessments" in last["amazon-bedrock-trace"]["guardrail"]
    assert "amazon-bedrock-invocationMetrics" in last
    text = "".join(e["delta"].get("text", "") for e in events if e.get("type") == "content_block_delta")
    assert "nightingale" not in text.lower() and text.endswith(BLOCKED_OUT)


def test_an_invoke_stream_takes_its_mode_from_the_body(runtime: Any, upstream: FakeUpstream) -> None:
    filler = "word " * 60
    upstream.set_behaviour("up", content=f"{filler}project nightingale {filler}")
    body = {
        **ANTHROPIC_BODY,
        "max_tokens": 500,
        "messages": [{"role": "user", "content": "hi"}],
        "amazon-bedrock-guardrailConfig": {"streamProcessingMode": "ASYNCHRONOUS"},
    }
    events = _stream_events(runtime, body, "words")  # nothing to mask: async is honoured
    text = "".join(e["delta"].get("text", "") for e in events if e.get("type") == "content_block_delta")
    assert "project nightingale" in text, "async: sent before it was checked"
    assert text.endswith(BLOCKED_OUT)
    sent = [r["body"] for r in upstream.requests() if r["path"].endswith("/completions")][-1]
    assert "amazon-bedrock-guardrailConfig" not in json.dumps(sent)
    with pytest.raises(runtime.exceptions.ValidationException):
        _stream_events(runtime, {**body, "amazon-bedrock-guardrailConfig": {"streamProcessingMode": "FAST"}}, "words")


@pytest.mark.parametrize(
    ("trace", "kept"),
    [("enabled_full", {"EMAIL", "IP_ADDRESS"}), ("enabled", {"EMAIL"}), ("disabled", None)],
)
def test_the_openai_surfaces_trace_header_sets_how_much_is_reported(
    gateway: RunningGateway, upstream: FakeUpstream, trace: str, kept: set[str] | None
) -> None:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        reply = client.chat.completions.create(
            model="anthropic.claude-3-haiku",
            messages=[{"role": "user", "content": "Reach me at ana@example.com from 10.0.0.1"}],
            extra_headers={"x-strata-guardrail": "guard", "x-strata-guardrail-trace": trace},
        )
    report = (reply.model_extra or {})["strata_guardrail"]
    assert report["action"] == "GUARDRAIL_INTERVENED" and report["policies"] == ["sensitive_information"]
    if kept is None:
        assert "input" not in report
    else:
        pii = report["input"][0]["assessment"]["sensitiveInformationPolicy"]["piiEntities"]
        assert {e["type"] for e in pii} == kept


def test_images_are_counted_as_unguarded_and_the_status_says_they_are_not_evaluated(
    gateway: RunningGateway, runtime: Any
) -> None:
    bedrock = sigv4_client("bedrock", gateway)
    try:
        created = bedrock.create_guardrail(
            name="image-filters",
            blockedInputMessaging="no",
            blockedOutputsMessaging="no",
            contentPolicyConfig={
                "filtersConfig": [
                    {
                        "type": "VIOLENCE",
                        "inputStrength": "HIGH",
                        "outputStrength": "HIGH",
                        "inputModalities": ["TEXT", "IMAGE"],
                        "outputModalities": ["TEXT"],
                    }
                ]
            },
        )
        reasons = bedrock.get_guardrail(guardrailIdentifier=created["guardrailId"])["statusReasons"]
    finally:
        bedrock.close()
    assert any("IMAGE" in reason and "VIOLENCE" in reason for reason in reasons), reasons
    answer = runtime.apply_guardrail(
        guardrailIdentifier="guard",
        guardrailVersion="DRAFT",
        source="INPUT",
        content=[
            {"text": {"text": "Hello there."}},
            {"image": {"format": "png", "source": {"bytes": b"\x89PNG\r\n\x1a\n"}}},
        ],
    )
    assert answer["guardrailCoverage"]["images"] == {"guarded": 0, "total": 1}
    assert answer["guardrailCoverage"]["textCharacters"] == {"guarded": 12, "total": 12}


def test_a_topic_written_outside_the_latin_script_is_flagged_in_the_status(gateway: RunningGateway) -> None:
    bedrock = sigv4_client("bedrock", gateway)
    try:
        topics = {
            "topicsConfig": [
                {
                    "name": "Bombs",
                    "definition": "爆弾の作り方に関する質問",
                    "examples": ["爆弾の作り方を教えて"],
                    "type": "DENY",
                },
                {"name": "Investing", "definition": "Advice on which stocks to buy.", "type": "DENY"},
            ]
        }
        created = bedrock.create_guardrail(
            name="foreign-topic", blockedInputMessaging="no", blockedOutputsMessaging="no", topicPolicyConfig=topics
        )
        reasons = bedrock.get_guardrail(guardrailIdentifier=created["guardrailId"])["statusReasons"]
    finally:
        bedrock.close()
    assert [r for r in reasons if "Latin script" in r] == [r for r in reasons if "'Bombs'" in r]
    assert len(reasons) == 1


def test_sensitive_information_is_masked_in_every_message_not_only_the_users(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "Escalations go to boss@example.com."},
        {"role": "user", "content": "Look up the customer."},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Customer: ana@example.com"},
        {"role": "user", "content": "Summarise."},
    ]
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        client.chat.completions.create(
            model="anthropic.claude-3-haiku", messages=messages, extra_headers={"x-strata-guardrail": "guard"}
        )
    sent = [r["body"]["messages"] for r in upstream.requests() if r["path"].endswith("/completions")][-1]
    assert sent[0]["content"] == "Escalations go to {EMAIL}."
    assert sent[3]["content"] == "Customer: {EMAIL}"
    assert "example.com" not in json.dumps(sent)


def test_a_blocked_word_in_a_tool_result_blocks_the_request(gateway: RunningGateway, upstream: FakeUpstream) -> None:
    messages: list[Any] = [
        {"role": "user", "content": "What does the document say?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "read", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "It is about Project Nightingale."},
    ]
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        reply = client.chat.completions.create(
            model="anthropic.claude-3-haiku", messages=messages, extra_headers={"x-strata-guardrail": "guard"}
        )
    assert reply.choices[0].finish_reason == "content_filter"
    assert not [r for r in upstream.requests() if r["path"].endswith("/completions")], "never reached the model"


def test_a_blocked_prompt_s_stream_counts_no_input_tokens_from_its_first_event(
    gateway: RunningGateway, runtime: Any, upstream: FakeUpstream
) -> None:
    """message_start carried the prompt's count while the end said 0: a blocked prompt is charged
    nothing, and Anthropic's clients read the count at the start."""
    words = [{"role": "user", "content": "Tell me about project nightingale and its launch plans in detail."}]
    with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as claude:
        with claude.messages.stream(
            model="anthropic.claude-3-haiku",
            max_tokens=50,
            messages=words,  # type: ignore[arg-type]
            extra_headers={"x-strata-guardrail": "guard"},
        ) as stream:
            events = list(stream)
            final = stream.get_final_message()
    start = next(e for e in events if e.type == "message_start")
    assert start.message.usage.input_tokens == 0
    assert final.usage.input_tokens == 0 and final.stop_reason == "refusal"
    chunks = _stream_events(runtime, {**ANTHROPIC_BODY, "messages": words})
    assert chunks[0]["type"] == "message_start" and chunks[0]["message"]["usage"]["input_tokens"] == 0
    assert upstream.requests() == [] or all("nightingale" not in json.dumps(r["body"]) for r in upstream.requests())
