"""Guardrails in the pipeline, seen from real clients: a blocked prompt never reaches the model and
still gets its usage record; masked input reaches the model masked; answers are checked, streams
included (sync holds back what is unsafe, async cuts); keys' defaults cannot be switched off. The
Bedrock surface's side: test_guardrails_pipeline_bedrock.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

BLOCKED_IN = "Sorry, that request cannot be processed."
BLOCKED_OUT = "The answer was withheld."
GUARD = {
    "blockedInputMessaging": BLOCKED_IN,
    "blockedOutputsMessaging": BLOCKED_OUT,
    "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]},
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": "EMAIL", "action": "ANONYMIZE"},
            {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "BLOCK", "outputAction": "ANONYMIZE"},
        ]
    },
}
WORDS_ONLY = {  # nothing to mask: a stream may run in async mode
    "blockedInputMessaging": BLOCKED_IN,
    "blockedOutputsMessaging": BLOCKED_OUT,
    "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]},
}
RUNAWAY = {  # a pattern that backtracks exponentially: on re, 40 characters would take minutes
    "blockedInputMessaging": BLOCKED_IN,
    "blockedOutputsMessaging": BLOCKED_OUT,
    "sensitiveInformationPolicyConfig": {"regexesConfig": [{"name": "as", "pattern": "(a|aa)+$", "action": "BLOCK"}]},
}
USER = [{"role": "user", "content": "Say hello."}]
CARD = "4111 1111 1111 1111"


def guarded_catalog(api_base: str) -> str:
    deployment = openai_deployment(api_base, "guarded-up")
    return yaml.safe_dump(
        {
            "guardrails": {"pii-guard": GUARD, "words-guard": WORDS_ONLY, "runaway": RUNAWAY},
            "models": {
                "gpt": {"deployments": [deployment]},
                "guarded": {"deployments": [openai_deployment(api_base, "model-up")], "guardrails": ["pii-guard"]},
            },
        }
    )


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("guarded")
    with gateway_in_thread(
        guarded_catalog(upstream_server.url), folder, environ=ENVIRON, usage_flush_interval_s=0.05
    ) as g:
        yield g


@pytest.fixture()
def client(gateway: RunningGateway, upstream: FakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as c:
        yield c


GUARDED = {"x-strata-guardrail": "pii-guard"}


def upstream_prompts(upstream: FakeUpstream) -> list[str]:
    return [r["body"]["messages"][-1]["content"] for r in upstream.requests() if r["path"].endswith("/completions")]


def _record(gateway: RunningGateway, request_id: str) -> dict[str, Any]:
    for _ in range(100):
        rows = httpx.get(
            f"{gateway.base_url}/admin/usage/records", params={"request_id": request_id}, headers=gateway.headers()
        ).json()["rows"]
        if rows:
            return dict(rows[0])
        time.sleep(0.05)
    raise AssertionError(f"no usage record for {request_id}")


def test_a_blocked_prompt_never_reaches_the_model_and_is_still_recorded(
    gateway: RunningGateway, client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt", messages=[{"role": "user", "content": f"charge my card {CARD}"}], extra_headers=GUARDED
    )
    reply = raw.parse()
    assert reply.choices[0].finish_reason == "content_filter"
    assert reply.choices[0].message.content == BLOCKED_IN
    report = reply.model_extra["strata_guardrail"]  # type: ignore[index]
    assert report["action"] == "GUARDRAIL_INTERVENED" and report["blocked"] is True
    assert report["policies"] == ["sensitive_information"]
    entity = report["input"][0]["assessment"]["sensitiveInformationPolicy"]["piiEntities"][0]
    assert entity == {"match": CARD, "type": "CREDIT_DEBIT_CARD_NUMBER", "action": "BLOCKED", "detected": True}
    assert upstream_prompts(upstream) == [], "no model was called"
    record = _record(gateway, raw.headers["x-request-id"])
    assert record["guardrail_action"] == "blocked:sensitive"
    assert (record["prompt_tokens"], record["completion_tokens"], record["status"]) == (0, 0, 200)


def test_masked_input_reaches_the_model_masked(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    reply = client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": "write to bob@example.com today"}], extra_headers=GUARDED
    )
    assert upstream_prompts(upstream) == ["write to {EMAIL} today"]
    assert reply.model_extra["strata_guardrail"]["input"][0]["action"] == "GUARDRAIL_INTERVENED"  # type: ignore[index]


def test_a_spoken_number_written_with_a_long_s_is_checked_and_answered(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    # "ſ" is an "s" to case-insensitive patterns: "twenty-ſeven" was read as a digit word, then
    # looked up as written, and the KeyError answered the caller with a 500
    prompt = "my card is four one one one, twenty-\u017feven, one two, mail bob@example.com"
    reply = client.chat.completions.create(
        model="gpt", messages=[{"role": "user", "content": prompt}], extra_headers=GUARDED
    )
    assert reply.choices[0].finish_reason == "stop"
    assert upstream_prompts(upstream) == [prompt.replace("bob@example.com", "{EMAIL}")]


def test_the_answer_is_checked_and_masked(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("guarded-up", content=f"Your card {CARD} is on file, mail me at a@b.io")
    reply = client.chat.completions.create(model="gpt", messages=USER, extra_headers=GUARDED)
    assert reply.choices[0].message.content == "Your card {CREDIT_DEBIT_CARD_NUMBER} is on file, mail me at {EMAIL}"


def test_a_blocked_answer_is_replaced_by_the_blocked_message(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    upstream.set_behaviour("guarded-up", content="The codename is Project Nightingale, of course.")
    reply = client.chat.completions.create(model="gpt", messages=USER, extra_headers=GUARDED)
    assert (reply.choices[0].message.content, reply.choices[0].finish_reason) == (BLOCKED_OUT, "content_filter")


def _streamed(
    client: openai.OpenAI, mode: str, model: str = "gpt", guardrail: str = "pii-guard"
) -> tuple[str, str | None, dict[str, Any] | None]:
    text, finish, report = "", None, None
    headers = {"x-strata-guardrail-stream-mode": mode, **({"x-strata-guardrail": guardrail} if guardrail else {})}
    for chunk in client.chat.completions.create(model=model, messages=USER, stream=True, extra_headers=headers):
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        report = (chunk.model_extra or {}).get("strata_guardrail", report)
    return text, finish, report


def test_a_card_number_split_across_chunks_is_masked_in_a_sync_stream(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("guarded-up", content=f"Sure. The number we have is {CARD} and that is all.")
    text, finish, report = _streamed(client, "sync")  # the fake sends one word per chunk
    assert text == "Sure. The number we have is {CREDIT_DEBIT_CARD_NUMBER} and that is all."
    assert finish == "stop" and report is not None and report["output"]


def test_a_violation_in_the_last_chunk_ends_a_sync_stream_with_the_blocked_message(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("guarded-up", content="All fine until project nightingale")
    text, finish, _ = _streamed(client, "sync")
    assert "nightingale" not in text.lower()
    assert text.endswith(BLOCKED_OUT) and finish == "content_filter"


def test_an_async_stream_flows_at_once_and_is_cut_on_a_violation(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    filler = "word " * 80
    upstream.set_behaviour("guarded-up", content=f"{filler}project nightingale {filler}", chunk_delay_ms=5)
    text, finish, _ = _streamed(client, "async", guardrail="words-guard")
    assert text.startswith(f"{filler}project nightingale"), "sent at once, the violation included"
    assert finish == "content_filter" and text.endswith(BLOCKED_OUT)
    assert len(text) < len(filler) * 2, "cut before the end"


def test_an_async_stream_is_held_back_when_its_guardrail_masks_answers(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    upstream.set_behaviour("guarded-up", content=f"Sure. The number we have is {CARD} and that is all.")
    text, finish, _ = _streamed(client, "async")  # pii-guard masks card numbers in answers
    assert text == "Sure. The number we have is {CREDIT_DEBIT_CARD_NUMBER} and that is all."
    assert finish == "stop"


def test_a_caller_cannot_loosen_a_keys_guardrail_by_asking_for_async(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    created = httpx.post(
        f"{gateway.base_url}/admin/keys",
        json={"name": "words-default", "guardrails": ["words-guard"]},
        headers=gateway.headers(),
    )
    assert created.status_code == 201, created.text
    upstream.set_behaviour("guarded-up", content="All fine until project nightingale appears")
    with openai.OpenAI(base_url=gateway.openai_base, api_key=created.json()["key"], max_retries=0) as keyed:
        text, finish, _ = _streamed(keyed, "async", guardrail="")
    assert "nightingale" not in text.lower(), "the key's guardrail held the text back"
    assert text.endswith(BLOCKED_OUT) and finish == "content_filter"


def test_a_model_default_cannot_be_switched_off_by_the_caller(client: openai.OpenAI, upstream: FakeUpstream) -> None:
    reply = client.chat.completions.create(
        model="guarded", messages=[{"role": "user", "content": f"my card is {CARD}"}]
    )
    assert reply.choices[0].message.content == BLOCKED_IN


def test_a_keys_default_guardrail_applies_to_every_call_of_the_key(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    created = httpx.post(
        f"{gateway.base_url}/admin/keys",
        json={"name": "guarded", "guardrails": ["pii-guard"]},
        headers=gateway.headers(),
    )
    assert created.status_code == 201, created.text
    with openai.OpenAI(base_url=gateway.openai_base, api_key=created.json()["key"], max_retries=0) as keyed:
        reply = keyed.chat.completions.create(model="gpt", messages=[{"role": "user", "content": f"card {CARD}"}])
    assert reply.choices[0].message.content == BLOCKED_IN


def test_an_unknown_guardrail_is_a_400_naming_it_and_where_the_caller_named_it(
    gateway: RunningGateway, client: openai.OpenAI
) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="gpt", messages=USER, extra_headers={"x-strata-guardrail": "nope:3"})
    assert "nope" in raised.value.message
    assert raised.value.param == "x-strata-guardrail"
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="gpt", messages=USER, extra_body={"guardrails": ["nope"]})
    assert raised.value.param == "guardrails"
    applied = httpx.post(
        f"{gateway.openai_base}/guardrails/apply", json={"guardrail": "nope", "text": "x"}, headers=gateway.headers()
    )
    assert applied.status_code == 400 and applied.json()["error"]["param"] == "guardrail"


def test_a_regex_that_backtracks_forever_is_stopped_and_blocks_without_hanging_the_gateway(
    gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    started = time.monotonic()
    answer = httpx.post(
        f"{gateway.openai_base}/guardrails/apply",
        json={"guardrail": "runaway", "text": "a" * 40 + "b"},
        headers=gateway.headers(),
        timeout=30,
    )
    assert answer.status_code == 200 and answer.json()["blocked"] is True, answer.text
    assert time.monotonic() - started < 5
    fine = httpx.post(
        f"{gateway.openai_base}/guardrails/apply",
        json={"guardrail": "runaway", "text": "nothing to see"},
        headers=gateway.headers(),
    ).json()
    assert fine["blocked"] is False


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_client_that_leaves_while_text_is_held_back_is_recorded_and_nothing_hangs(
    gateway: RunningGateway, upstream: FakeUpstream, mode: str
) -> None:
    upstream.set_behaviour("guarded-up", content="word " * 400, chunk_delay_ms=10)
    body = {"model": "gpt", "messages": USER, "stream": True}
    headers = {**gateway.headers(), **GUARDED, "x-strata-guardrail-stream-mode": mode}
    with httpx.stream("POST", f"{gateway.openai_base}/chat/completions", json=body, headers=headers) as response:
        request_id = response.headers["x-request-id"]
        for line in response.iter_lines():
            if line.startswith("data: ") and '"content":"word' in line.replace(" ", ""):
                break  # the first released text, then leave
    record = _record(gateway, request_id)
    assert (record["status"], record["error_type"]) == (200, "client_closed")
    assert record["guardrail_action"] is not None
    follow = httpx.post(f"{gateway.openai_base}/chat/completions", json={**body, "stream": False}, headers=headers)
    assert follow.status_code == 200, "the gateway carries on"


LONG_TURN = (
    "Here is the context for my question, copied from the ticket so you have all of it. The customer "
    "wrote from bob@northwind-traders.com on Monday about an invoice that was sent twice, and asked us to merge "
    "the two accounts they hold. They also mentioned the export to spreadsheets timing out. "
)


def test_a_conversations_history_is_masked_and_blocked_on_every_turn(
    client: openai.OpenAI, upstream: FakeUpstream
) -> None:
    """Each turn re-sends the history; its scan is remembered (gateway/guardrails/text_memo.py), and
    what it found still masks and blocks on every turn."""
    from gateway.guardrails.text_memo import CHECKED

    history: list[dict[str, str]] = []
    for turn in range(3):
        history.append({"role": "user", "content": LONG_TURN + f"Question {turn}: what should I answer?"})
        hits = CHECKED.hits
        reply = client.chat.completions.create(model="gpt", messages=history, extra_headers=GUARDED)  # type: ignore[arg-type]
        sent = [m["content"] for m in upstream.requests()[-1]["body"]["messages"]]
        assert sent == [m["content"].replace("bob@northwind-traders.com", "{EMAIL}") for m in history]
        # the earlier questions, and the answers sent before, each by the PII scan and the word list
        assert CHECKED.hits - hits == 2 * max(0, 2 * turn - 1)
        answer = f"{reply.choices[0].message.content} Answer {turn}. {LONG_TURN}"
        history.append({"role": "assistant", "content": answer})
    history.append({"role": "user", "content": LONG_TURN.replace("bob@northwind-traders.com", f"card {CARD}")})
    before = len(upstream.requests())
    blocked = client.chat.completions.create(model="gpt", messages=history, extra_headers=GUARDED)  # type: ignore[arg-type]
    assert blocked.choices[0].finish_reason == "content_filter"
    history[-1] = {"role": "user", "content": "Thanks, that is all."}
    history.insert(1, {"role": "user", "content": LONG_TURN.replace("bob@northwind-traders.com", f"card {CARD}")})
    again = client.chat.completions.create(model="gpt", messages=history, extra_headers=GUARDED)  # type: ignore[arg-type]
    assert again.choices[0].finish_reason == "content_filter", "a remembered card in the history still blocks"
    assert len(upstream.requests()) == before
