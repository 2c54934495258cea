"""What a guardrail keeps from a caller stays kept: the text it masked or blocked in an answer is
not handed back in ``strata_guardrail`` or Bedrock's trace (unless the caller asked for a trace of
a guardrail it chose itself, as Bedrock shows it), a card number in an earlier tool call's
arguments reaches no model, and a blocked stream ends every choice it asked for."""

from __future__ import annotations

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

CARD = "4111 1111 1111 1111"
EMAIL = "ana@example.com"
GUARD = {
    "blockedInputMessaging": "Blocked in.",
    "blockedOutputsMessaging": "Blocked out.",
    "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]},
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": "EMAIL", "action": "ANONYMIZE"},
            {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "BLOCK"},
        ]
    },
}


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("withheld")
    catalog = {
        "guardrails": {"pii": GUARD},
        "models": {
            "gpt": {"deployments": [openai_deployment(upstream_server.url, "up")]},
            "guarded": {"deployments": [openai_deployment(upstream_server.url, "up2")], "guardrails": ["pii"]},
        },
    }
    with gateway_in_thread(yaml.safe_dump(catalog), folder, environ=ENVIRON, usage_flush_interval_s=0.05) as g:
        yield g


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as c:
        yield c


def _matches(report: Any) -> list[str]:
    """Every ``match`` anywhere in a report."""
    found: list[str] = []
    if isinstance(report, dict):
        for key, value in report.items():
            if key == "match" and isinstance(value, str):
                found.append(value)
            else:
                found += _matches(value)
    elif isinstance(report, list):
        for item in report:
            found += _matches(item)
    return found


def _upstream_texts(upstream: FakeUpstream) -> str:
    return json.dumps([r["body"] for r in upstream.requests() if r["path"].endswith("/completions")])


def test_a_masked_answer_does_not_come_back_unmasked_in_strata_guardrail(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour(content=f"Write to {EMAIL} today.")
    for model, headers in (("gpt", {"x-strata-guardrail": "pii"}), ("guarded", {})):
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "who?"}], extra_headers=headers
        )
        assert reply.choices[0].message.content == "Write to {EMAIL} today."
        report = reply.model_extra["strata_guardrail"]  # type: ignore[index]
        assert report["action"] == "GUARDRAIL_INTERVENED"
        assert EMAIL not in json.dumps(report)
        assert _matches(report["output"]) == ["{EMAIL}"]


def test_a_blocked_answer_is_not_handed_back_in_a_stream_s_report(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour(content=f"Your card is {CARD}.")
    stream = client.chat.completions.create(
        model="guarded", messages=[{"role": "user", "content": "card?"}], stream=True
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Blocked out."
    reports = [c.model_extra["strata_guardrail"] for c in chunks if (c.model_extra or {}).get("strata_guardrail")]
    assert reports and CARD not in json.dumps(reports)


def test_a_caller_asking_for_a_trace_of_its_own_guardrail_sees_the_matches(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour(content=f"Write to {EMAIL} today.")
    headers = {"x-strata-guardrail": "pii", "x-strata-guardrail-trace": "enabled"}
    reply = client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "who?"}], extra_headers=headers
    )
    assert _matches(reply.model_extra["strata_guardrail"]["output"]) == [EMAIL]  # type: ignore[index]
    imposed = client.chat.completions.create(
        model="guarded",
        messages=[{"role": "user", "content": "who?"}],
        extra_headers={"x-strata-guardrail-trace": "enabled"},
    )
    assert EMAIL not in json.dumps(imposed.model_extra["strata_guardrail"])  # type: ignore[index]


def test_a_model_s_guardrail_keeps_masked_text_out_of_converse_s_trace(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour(content=f"Write to {EMAIL} today.")
    runtime = sigv4_client("bedrock-runtime", gateway)
    reply = runtime.converse(
        modelId="guarded",
        messages=[{"role": "user", "content": [{"text": "who?"}]}],
        guardrailConfig={"guardrailIdentifier": "pii", "guardrailVersion": "DRAFT", "trace": "enabled"},
    )
    assert reply["output"]["message"]["content"][0]["text"] == "Write to {EMAIL} today."
    assert EMAIL not in json.dumps(reply.get("trace", {}))


@pytest.mark.parametrize("surface", ["chat", "anthropic", "responses"])
def test_a_card_in_an_earlier_tool_call_s_arguments_reaches_no_model(
    gateway: RunningGateway, client: openai.OpenAI, upstream: FakeUpstream, surface: str
) -> None:
    arguments = {"card": CARD, "amount": 20}
    if surface == "chat":
        reply = client.chat.completions.create(
            model="guarded",
            messages=[
                {"role": "user", "content": "pay"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "pay", "arguments": json.dumps(arguments)},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "paid"},
            ],
        )
        assert reply.choices[0].finish_reason == "content_filter"
    elif surface == "anthropic":
        with anthropic.Anthropic(base_url=gateway.base_url, api_key=gateway.master_key, max_retries=0) as claude:
            message = claude.messages.create(
                model="guarded",
                max_tokens=50,
                messages=[
                    {"role": "user", "content": "pay"},
                    {
                        "role": "assistant",
                        "content": [{"type": "tool_use", "id": "t1", "name": "pay", "input": arguments}],
                    },
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "paid"}]},
                ],
            )
        assert message.stop_reason == "refusal"
    else:
        response = client.responses.create(
            model="guarded",
            input=[
                {"role": "user", "content": "pay"},
                {"type": "function_call", "call_id": "c1", "name": "pay", "arguments": json.dumps(arguments)},
                {"type": "function_call_output", "call_id": "c1", "output": "paid"},
            ],
        )
        assert response.status == "incomplete"
    assert CARD not in _upstream_texts(upstream)


def test_an_e_mail_in_an_earlier_tool_call_s_arguments_reaches_the_model_masked(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "mail", "arguments": json.dumps({"to": EMAIL})}}
    client.chat.completions.create(
        model="guarded",
        messages=[
            {"role": "user", "content": "mail her"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "sent"},
        ],
    )
    sent = [r["body"] for r in upstream.requests() if r["path"].endswith("/completions")][-1]
    arguments = sent["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(arguments) == {"to": "{EMAIL}"}


def test_masking_json_arguments_keeps_them_valid_and_masks_values_whole_through_escapes(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    """A mask ending inside an escaped quote broke the JSON and left the value's rest unmasked; an
    escaped line break let a value run on into the next setting, which was masked away."""
    odd = "jos\u00e9.m@example.org"  # an address with an accent, sent escaped
    arguments = json.dumps({"to": odd, "note": 'reply-to "ana@example.com"', "env": "A=1\nMAIL=bo@example.com\nB=2"})
    call = {"id": "c1", "type": "function", "function": {"name": "mail", "arguments": arguments}}
    client.chat.completions.create(
        model="guarded",
        messages=[
            {"role": "user", "content": "mail them"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": json.dumps({"sent_to": odd})},
        ],
    )
    sent = [r["body"] for r in upstream.requests() if r["path"].endswith("/completions")][-1]
    masked = json.loads(sent["messages"][1]["tool_calls"][0]["function"]["arguments"])
    assert masked == {"to": "{EMAIL}", "note": 'reply-to "{EMAIL}"', "env": "A=1\nMAIL={EMAIL}\nB=2"}
    assert json.loads(sent["messages"][2]["content"]) == {"sent_to": "{EMAIL}"}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_blocked_stream_ends_every_choice_it_asked_for(
    client: openai.OpenAI, upstream: FakeUpstream, mode: str
) -> None:
    upstream.set_behaviour(content=f"Your plan is project nightingale, card {CARD}.")
    headers = {"x-strata-guardrail": "pii", "x-strata-guardrail-stream-mode": mode}
    stream = client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "plan?"}], n=2, stream=True, extra_headers=headers
    )
    finishes: dict[int, str] = {}
    texts: dict[int, str] = {0: "", 1: ""}
    for chunk in stream:
        for choice in chunk.choices:
            texts[choice.index] += choice.delta.content or ""
            if choice.finish_reason is not None:
                finishes[choice.index] = choice.finish_reason
    assert finishes == {0: "content_filter", 1: "content_filter"}
    assert all(text.endswith("Blocked out.") for text in texts.values())


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_a_blocked_responses_turn_reaches_no_model_through_a_later_follow_up(
    client: openai.OpenAI, upstream: FakeUpstream, stream: bool
) -> None:
    """The Responses API keeps a conversation for previous_response_id; a turn a guardrail blocked
    must not be in it, or a follow-up on a model without that guardrail sends it on."""
    upstream.set_behaviour(content="ok")
    if stream:
        with client.responses.create(model="guarded", input=f"my card is {CARD}", stream=True) as events:
            blocked_id = next(e.response.id for e in events if e.type in ("response.completed", "response.incomplete"))
    else:
        blocked_id = client.responses.create(model="guarded", input=f"my card is {CARD}").id
    assert CARD not in _upstream_texts(upstream), "the blocked prompt itself reached no model"
    follow_up = client.responses.create(model="gpt", input="What did I tell you?", previous_response_id=blocked_id)
    assert follow_up.status == "completed"
    assert CARD not in _upstream_texts(upstream)
    assert "What did I tell you?" in _upstream_texts(upstream)
