"""Contextual grounding on model output: an answer its sources support passes, an invented or
irrelevant one is blocked with Bedrock's scores; without sources or a query nothing is scored.
The embedded all-MiniLM-L6-v2 runs on CPU."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import ContextualGroundingPolicyConfig, GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies import grounding
from gateway.guardrails.policies.base import GROUNDING_SOURCE, QUERY, Resources, TextUnit
from tests.support.embedder import MiniLMEmbedder

SOURCE = (
    "The Alpine Express leaves Zurich at 08:40 and arrives in Milan at 12:05. First-class seats cost 89 francs "
    "and include a meal. Bicycles need a reservation and cost 15 francs. The train does not run on Sundays."
)
QUESTION = "When does the Alpine Express arrive in Milan?"
BOTH = [{"type": "GROUNDING", "threshold": 0.7}, {"type": "RELEVANCE", "threshold": 0.5}]


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


def _check(embedder: MiniLMEmbedder, filters: list[dict[str, Any]] = BOTH) -> Any:
    config = ContextualGroundingPolicyConfig(filtersConfig=filters)
    (check,) = grounding.checks(config, Side.OUTPUT, Resources(embedder=embedder))
    return check


def _units(answer: str, source: str = SOURCE, query: str = QUESTION) -> list[TextUnit]:
    return [
        TextUnit(source, frozenset({GROUNDING_SOURCE})),
        TextUnit(query, frozenset({QUERY})),
        TextUnit(answer),
    ]


def _found(check: Any, answer: str) -> dict[str, Any]:
    return {d.entry["type"]: d for d in asyncio.run(check.detect(_units(answer)))}


def test_an_answer_its_sources_support_passes(embedder: MiniLMEmbedder) -> None:
    assert _found(_check(embedder), "The Alpine Express arrives in Milan at 12:05.") == {}


def test_an_invented_answer_is_blocked_for_grounding_with_its_score(embedder: MiniLMEmbedder) -> None:
    found = _found(_check(embedder), "It arrives at noon, after a scenic stop in Lugano where a jazz band greets you.")
    detection = found["GROUNDING"]
    assert detection.action == "BLOCKED"
    assert detection.entry["threshold"] == 0.7 and 0 <= detection.entry["score"] < 0.7
    assert detection.rendered()["detected"] is True


def test_a_number_the_sources_never_mention_lowers_grounding(embedder: MiniLMEmbedder) -> None:
    check = _check(embedder)
    right = asyncio.run(check.scores(_units("First-class seats cost 89 francs and include a meal.")))
    wrong = asyncio.run(check.scores(_units("First-class seats cost 149 francs and include a meal.")))
    assert wrong["GROUNDING"] < 0.7 <= right["GROUNDING"]


def test_an_answer_that_ignores_the_question_is_blocked_for_relevance(embedder: MiniLMEmbedder) -> None:
    found = _found(_check(embedder), "Bicycles need a reservation and cost 15 francs.")
    assert "RELEVANCE" in found and found["RELEVANCE"].entry["score"] < 0.5


def test_a_filter_whose_action_is_none_reports_without_blocking(embedder: MiniLMEmbedder) -> None:
    check = _check(embedder, [{"type": "GROUNDING", "threshold": 0.7, "action": "NONE"}])
    assert _found(check, "It is pulled by a steam engine built in 1901.")["GROUNDING"].action == "NONE"


def test_without_sources_or_a_query_nothing_is_scored_or_embedded() -> None:
    embedder = MiniLMEmbedder()
    check = _check(embedder)
    assert asyncio.run(check.detect([TextUnit("Any answer at all.")])) == []
    assert embedder.calls == []


def test_grounding_applies_to_model_output_only(embedder: MiniLMEmbedder) -> None:
    config = ContextualGroundingPolicyConfig(filtersConfig=BOTH)
    assert grounding.checks(config, Side.INPUT, Resources(embedder=embedder)) == []


def test_a_grounding_policy_cannot_be_compiled_without_an_embedding_model() -> None:
    with pytest.raises(ValueError, match="needs an embedding model"):
        grounding.checks(ContextualGroundingPolicyConfig(filtersConfig=BOTH), Side.OUTPUT, Resources())


def test_the_guardrail_replaces_an_ungrounded_answer_and_reports_bedrocks_filters(embedder: MiniLMEmbedder) -> None:
    definition = GuardrailDefinition(
        name="g",
        blockedInputMessaging="No.",
        blockedOutputsMessaging="I can only answer from the timetable.",
        contextualGroundingPolicyConfig={"filtersConfig": BOTH},
    )
    guardrail = compile_guardrail("gr1", "1", definition, Resources(embedder=embedder))
    answer = "The train has a rooftop pool and reaches Milan in twenty minutes."
    outcome = asyncio.run(apply(guardrail, Side.OUTPUT, _units(answer)))
    assert outcome.blocked and outcome.outputs == ["I can only answer from the timetable."]
    (entry, *_) = outcome.assessment()["contextualGroundingPolicy"]["filters"]
    assert entry["type"] == "GROUNDING" and entry["action"] == "BLOCKED" and entry["score"] < entry["threshold"]
