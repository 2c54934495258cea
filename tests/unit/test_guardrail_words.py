"""Word filters as a caller sees them: custom words and the managed PROFANITY list match whole
words in any case, phrases across spacing and punctuation, and never the innocent words that
contain a listed one ("class", "Scunthorpe", "assess")."""

from __future__ import annotations

import asyncio
from importlib import resources as package_files
from typing import Any

import pytest

from gateway.guardrails.assessment import Outcome
from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.policies.words import compile_words, profanity


def matched(text: str, phrases: list[str] | None = None) -> list[str]:
    words = profanity() if phrases is None else compile_words(phrases)
    return [text[start:end] for start, end in words.matches(text)]


def guard(text: str, policy: dict[str, Any], side: Side = Side.INPUT) -> Outcome:
    definition = GuardrailDefinition(
        name="g", blockedInputMessaging="No input.", blockedOutputsMessaging="No output.", wordPolicyConfig=policy
    )  # type: ignore[arg-type]
    return asyncio.run(apply(compile_guardrail("gr", "1", definition, Resources()), side, [TextUnit(text)]))


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United won at home.",
        "The class will assess your passage through the bass section.",
        "Essex, Sussex and Middlesex.",
        "A cocktail at the Peacock with Mr Hancock.",
        "Shiitake mushrooms and a therapist's analysis.",
        "Hello, shell users.",
        "Spicy food in Pakistan and sauerkraut in Japan.",
    ],
)
def test_innocent_words_that_contain_profanity_are_left_alone(text: str) -> None:
    assert matched(text) == []


def test_profanity_matches_whole_words_in_any_case() -> None:
    assert matched("What the FUCK, this is bullshit. Asshole!") == ["FUCK", "bullshit", "Asshole"]


def test_phrases_match_across_spacing_and_punctuation_but_not_lines() -> None:
    assert matched("Holy  shit, son-of-a-bitch") == ["Holy  shit", "son-of-a-bitch"]
    assert matched("f-u-c-k and f.u.c.k") == ["f-u-c-k", "f.u.c.k"]
    assert matched("The Secret-Project and secret\nproject", ["secret project"]) == ["Secret-Project"]


def test_spellings_with_symbols_match_as_whole_tokens() -> None:
    assert matched("you f*cking idiot, a$$hole") == ["f*cking", "a$$hole"]
    assert matched("Xf*cking") == []


def test_custom_words_may_hold_symbols_and_match_whole() -> None:
    assert matched("I write C++ and C#, not C.", ["c++", "C#"]) == ["C++", "C#"]
    assert matched("falconry and Falcons", ["falcon"]) == []


def test_a_ten_thousand_word_list_matches_like_a_short_one() -> None:
    phrases = [f"codeword{i}" for i in range(10_000)] + ["blue moon"]
    assert matched("Say CODEWORD9999 under a blue moon, not codeword10000.", phrases) == ["CODEWORD9999", "blue moon"]


def test_lower_casing_that_changes_length_keeps_the_spans_right() -> None:
    assert matched("İstanbul shit") == ["shit"]


def test_blocked_words_block_and_report_bedrocks_entries() -> None:
    policy = {"wordsConfig": [{"text": "Project Falcon"}], "managedWordListsConfig": [{"type": "PROFANITY"}]}
    outcome = guard("Project Falcon is a damn mess", policy)
    assert outcome.outputs == ["No input."]
    assert outcome.assessment()["wordPolicy"] == {
        "customWords": [{"match": "Project Falcon", "action": "BLOCKED", "detected": True}],
        "managedWordLists": [{"match": "damn", "type": "PROFANITY", "action": "BLOCKED", "detected": True}],
    }


def test_each_side_has_its_own_action_and_switch() -> None:
    policy = {
        "wordsConfig": [{"text": "falcon", "inputAction": "NONE"}],
        "managedWordListsConfig": [{"type": "PROFANITY", "outputEnabled": False}],
    }
    reported = guard("falcon shit", policy)
    assert reported.blocked  # profanity blocks input; the custom word only reports there
    assert [d.action for d in reported.detections] == ["NONE", "BLOCKED"]
    assert guard("falcon shit", policy, Side.OUTPUT).detections[0].entry == {"match": "falcon"}
    assert len(guard("falcon shit", policy, Side.OUTPUT).detections) == 1


def test_the_managed_list_is_hundreds_of_entries_without_common_innocent_words() -> None:
    text = package_files.files("gateway.guardrails.data").joinpath("profanity.txt").read_text(encoding="utf-8")
    entries = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    assert len(entries) >= 300
    assert not entries & {"hell", "god", "kill", "class", "sex", "gay", "butt", "balls", "screw", "dick", "cum"}
