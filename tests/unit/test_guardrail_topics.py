"""Denied topics, matched by meaning with the embedded all-MiniLM-L6-v2 (CPU, loaded once here):
what a caller sees blocked, what passes, and what the gateway pays for it (one embedding call per
check, the examples embedded once)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side, TopicPolicyConfig
from gateway.guardrails.engine import apply
from gateway.guardrails.policies import topics
from gateway.guardrails.policies.base import GUARD_CONTENT, Resources, TextUnit
from gateway.guardrails.semantic.segments import segments
from gateway.guardrails.semantic.topics import Topic, TopicCheck, generic_requests
from tests.support.embedder import MiniLMEmbedder

CRYPTO: dict[str, Any] = {
    "name": "Crypto trading",
    "definition": "Advice on buying, selling or timing cryptocurrencies and tokens.",
    "examples": [
        "Should I buy Dogecoin today?",
        "Which altcoin will pump next week?",
        "Is it a good time to sell my Bitcoin?",
        "What crypto should I put my savings into?",
        "Give me a token that will 10x this year.",
    ],
}


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def _check(embedder: MiniLMEmbedder, side: Side = Side.INPUT, **topic: Any) -> Any:
    (check,) = topics.checks(TopicPolicyConfig(topicsConfig=[{**CRYPTO, **topic}]), side, Resources(embedder=embedder))
    return check


def _detect(check: Any, text: str) -> list[Any]:
    return asyncio.run(check.detect([TextUnit(text)]))


@pytest.mark.parametrize(
    "text",
    [
        "I have 2k spare, which coin should I buy before the next bull run?",
        "is now the moment to dump my ethereum or hold?",
        "Recommend a cryptocurrency that will moon soon.",
    ],
)
def test_a_request_on_a_denied_topic_is_blocked_however_it_is_phrased(embedder: MiniLMEmbedder, text: str) -> None:
    found = _detect(_check(embedder), text)
    assert [(d.entry, d.action) for d in found] == [({"name": "Crypto trading", "type": "DENY"}, "BLOCKED")]


@pytest.mark.parametrize(
    "text",
    [
        "Write a limerick about a lighthouse keeper.",
        "How do I convert a CSV file to JSON in Python?",
        "What is a blockchain, in one paragraph, for a school project?",
    ],
)
def test_unrelated_requests_and_near_misses_pass(embedder: MiniLMEmbedder, text: str) -> None:
    assert _detect(_check(embedder), text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Write a short history of Bitcoin.",
        "Translate 'crypto wallet' into German.",
        "What is the difference between a coin and a token?",
        "How many cryptocurrencies are there?",
        "What time does the crypto exchange open on Sundays?",
    ],
)
def test_near_misses_that_share_the_topics_subject_but_not_its_request_pass(
    embedder: MiniLMEmbedder, text: str
) -> None:
    assert _detect(_check(embedder), text) == []


def test_the_generic_requests_lower_a_near_miss_far_more_than_a_request_on_the_topic(
    embedder: MiniLMEmbedder,
) -> None:
    topic = Topic.of(CRYPTO["name"], CRYPTO["definition"], CRYPTO["examples"], "BLOCKED")
    with_generic, without = TopicCheck([topic], embedder), TopicCheck([topic], embedder, generic_weight=0.0)

    def drop(text: str) -> float:
        units = [TextUnit(text)]
        return asyncio.run(without.scores(units))[topic.name] - asyncio.run(with_generic.scores(units))[topic.name]

    assert drop("Write a poem about Bitcoin.") > drop("Which altcoin should I buy now?") + 0.15


def test_the_generic_requests_are_a_modest_list_of_distinct_lines() -> None:
    lines = generic_requests()
    assert 30 <= len(lines) <= 80 and len(set(lines)) == len(lines)
    assert not any(line.startswith("#") for line in lines)


def test_a_short_off_topic_request_inside_a_long_benign_text_is_still_caught(embedder: MiniLMEmbedder) -> None:
    text = (
        "Please help me tidy up this week's plan. On Monday I will clean the garage and take old paint to the "
        "recycling centre. On Tuesday the kids have football practice at five, so dinner must be early. "
        "Should I buy Solana before the weekend? On Wednesday I want to repaint the fence, weather permitting, "
        "and on Thursday my parents visit, so the guest room needs fresh sheets and a reading lamp. "
    ) * 2
    assert [d.entry["name"] for d in _detect(_check(embedder), text)] == ["Crypto trading"]


def test_a_topic_whose_action_is_none_is_reported_without_blocking(embedder: MiniLMEmbedder) -> None:
    check = _check(embedder, Side.OUTPUT, outputAction="NONE")
    (found,) = _detect(check, "You should buy Dogecoin right now, it will triple.")
    assert found.action == "NONE" and found.rendered()["detected"] is True


def test_a_side_the_topic_is_disabled_on_gets_no_check(embedder: MiniLMEmbedder) -> None:
    config = TopicPolicyConfig(topicsConfig=[{**CRYPTO, "outputEnabled": False}])
    assert topics.checks(config, Side.OUTPUT, Resources(embedder=embedder)) == []


def test_each_check_calls_the_embedder_once_and_embeds_the_examples_only_the_first_time() -> None:
    embedder = MiniLMEmbedder()
    check = _check(embedder)
    _detect(check, "Which token should I buy?")
    _detect(check, "And which should I sell?")
    assert len(embedder.calls) == 2
    first = embedder.calls[0]
    assert first[: len(CRYPTO["examples"])] == CRYPTO["examples"]
    assert set(generic_requests()) <= set(first) and len(embedder.calls[1]) == 1


def test_a_check_whose_topics_have_no_examples_does_not_embed_the_generic_requests() -> None:
    embedder = MiniLMEmbedder()
    check = _check(embedder, examples=[])
    _detect(check, "Which token should I buy?")
    assert embedder.calls == [[CRYPTO["definition"], "Which token should I buy?"]]


def test_concurrent_first_checks_embed_the_examples_once() -> None:
    embedder = MiniLMEmbedder()
    check = _check(embedder)

    async def many() -> None:
        await asyncio.gather(*(check.detect([TextUnit(f"Should I buy coin number {i}?")]) for i in range(5)))

    asyncio.run(many())
    with_examples = [call for call in embedder.calls if CRYPTO["examples"][0] in call]
    assert len(embedder.calls) == 5 and len(with_examples) == 1


def test_a_guardrail_with_denied_topics_cannot_be_compiled_without_an_embedding_model() -> None:
    definition = GuardrailDefinition(
        name="g",
        blockedInputMessaging="No.",
        blockedOutputsMessaging="No.",
        topicPolicyConfig={"topicsConfig": [CRYPTO]},
    )
    with pytest.raises(ValueError, match="needs an embedding model"):
        compile_guardrail("gr1", "DRAFT", definition, Resources())


def test_a_topic_without_examples_is_matched_on_its_definition_and_the_operator_is_warned(
    embedder: MiniLMEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.guardrails.policies.topics"):
        check = _check(embedder, examples=[])
    assert "no examples" in caplog.text
    assert _detect(check, "Write a haiku about snow.") == []


def test_the_guardrail_blocks_with_its_message_and_bedrocks_assessment(embedder: MiniLMEmbedder) -> None:
    definition = GuardrailDefinition(
        name="g",
        blockedInputMessaging="Sorry, I can't discuss that.",
        blockedOutputsMessaging="No.",
        topicPolicyConfig={"topicsConfig": [CRYPTO]},
    )
    guardrail = compile_guardrail("gr1", "DRAFT", definition, Resources(embedder=embedder))
    units = [
        TextUnit("You are a helpful bot."),
        TextUnit("Which altcoin should I buy now?", frozenset({GUARD_CONTENT})),
    ]
    outcome = asyncio.run(apply(guardrail, Side.INPUT, units))
    assert outcome.blocked and outcome.outputs == ["Sorry, I can't discuss that."]
    assert outcome.assessment()["topicPolicy"] == {
        "topics": [{"name": "Crypto trading", "type": "DENY", "action": "BLOCKED", "detected": True}]
    }


def test_every_word_of_a_very_long_text_is_read_within_the_models_window() -> None:
    sentences = [f"Sentence number {i} talks about gardens and the weather today." for i in range(400)]
    text = " ".join(sentences) + " Which coin should I buy tomorrow?"
    pieces = segments(text)
    assert all(len(p.split()) <= 48 for p in pieces)
    assert "Which coin should I buy tomorrow?" in pieces[-1] and "number 0 " in pieces[0]


@pytest.mark.parametrize(
    "text",
    [
        "What is a crypto wallet and how does it work?",
        "When was Bitcoin created, and by whom?",
        "Explain what a blockchain fork is.",
    ],
)
def test_a_question_asking_what_something_is_passes_a_topic_of_advice(embedder: MiniLMEmbedder, text: str) -> None:
    assert _detect(_check(embedder), text) == []


def test_a_request_for_advice_beside_a_factual_question_is_still_blocked(embedder: MiniLMEmbedder) -> None:
    text = "What is an altcoin? And which altcoin should I buy this week?"
    assert [d.entry["name"] for d in _detect(_check(embedder), text)] == ["Crypto trading"]


def test_a_topic_whose_examples_ask_for_facts_catches_factual_questions(embedder: MiniLMEmbedder) -> None:
    history = {
        "name": "Company history",
        "definition": "Questions about the company's past.",
        "examples": ["When was the company founded?", "Who was the first CEO?", "What did we sell in 1990?"],
    }
    (check,) = topics.checks(TopicPolicyConfig(topicsConfig=[history]), Side.INPUT, Resources(embedder=embedder))
    assert check.topics[0].factual
    assert [d.entry["name"] for d in _detect(check, "Who was the company's second chief executive?")] == [
        "Company history"
    ]
