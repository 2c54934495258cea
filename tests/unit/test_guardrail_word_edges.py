"""Word filters and PII patterns at their edges, as a caller sees them: words made only of symbols,
phrases with long runs of punctuation between their words, and text that hides a word or a number
from a pattern without changing what a reader sees (zero-width characters, soft hyphens, fullwidth
and other scripts' digits). Offsets reported are always the caller's text's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gateway.guardrails.assessment import Outcome
from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.pii.folding import fold
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.policies.words import MAX_GAP, compile_words, profanity


def matched(text: str, phrases: list[str] | None = None) -> list[str]:
    words = profanity() if phrases is None else compile_words(phrases)
    return [text[start:end] for start, end in words.matches(text)]


def guard(text: str, **policies: Any) -> Outcome:
    definition = GuardrailDefinition(
        name="g", blockedInputMessaging="No input.", blockedOutputsMessaging="No output.", **policies
    )
    return asyncio.run(apply(compile_guardrail("gr", "1", definition, Resources()), Side.INPUT, [TextUnit(text)]))


def pii(text: str, types: frozenset[str] | list[str] = PATTERN_TYPES) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in Scanner(types).scan(text)]


# Words made only of symbols


@pytest.mark.parametrize(
    ("text", "word", "found"),
    [
        ("wow !!! ok", "!!!", ["!!!"]),
        ("wow!!!", "!!!", ["!!!"]),
        ("!!!wow", "!!!", ["!!!"]),
        ("cost $$$ now", "$$$", ["$$$"]),
        ("cost:$$$.", "$$$", ["$$$"]),
        ("hi -_- ok", "-_-", ["-_-"]),
        ("wow !!!! ok", "!!!", []),  # inside a longer run of its own character
        ("cost $$$$ now", "$$$", []),
        ("wow ! ! ! ok", "!!!", []),
    ],
)
def test_a_word_made_only_of_symbols_matches_as_a_token(text: str, word: str, found: list[str]) -> None:
    assert matched(text, [word]) == found


def test_a_symbol_word_blocks_through_the_policy() -> None:
    outcome = guard("wow !!! ok", wordPolicyConfig={"wordsConfig": [{"text": "!!!"}]})
    assert outcome.outputs == ["No input."]
    assert outcome.assessment()["wordPolicy"]["customWords"] == [
        {"match": "!!!", "action": "BLOCKED", "detected": True}
    ]


def test_words_with_symbols_inside_keep_their_whole_word_edges() -> None:
    assert matched("you f*cking idiot, a$$hole, Xf*cking", ["f*cking", "a$$"]) == ["f*cking"]
    assert matched("I write C++ and C#, not C++x.", ["c++", "C#"]) == ["C++", "C#"]


# Phrases across any spacing or punctuation on one line


@pytest.mark.parametrize(
    "text",
    [
        "project - - nightingale",
        "Project ... -- ... Nightingale!",
        "project (  ~~~  ) nightingale",
        "project" + " " * MAX_GAP + "nightingale",
    ],
)
def test_a_phrase_matches_with_any_run_of_spacing_or_punctuation_between_its_words(text: str) -> None:
    assert matched(text, ["project nightingale"]) == [text.rstrip("!")]


@pytest.mark.parametrize(
    "text",
    [
        "project\nnightingale",
        "project -\n- nightingale",
        "project" + " " * (MAX_GAP + 1) + "nightingale",
        "project x nightingale",
        "project 2 nightingale",
        "projects - nightingale",
    ],
)
def test_a_phrase_does_not_match_across_lines_words_or_very_long_gaps(text: str) -> None:
    assert matched(text, ["project nightingale"]) == []


def test_a_phrase_after_a_megabyte_of_near_misses_is_found_once() -> None:
    text = ("project " + "-" * 20 + " ") * 35_000 + "nightingale"
    assert matched(text, ["project nightingale"]) == ["project " + "-" * 20 + " nightingale"]


# Invisible characters and other forms of characters


@pytest.mark.parametrize("hidden", ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"])
def test_an_invisible_character_inside_a_word_does_not_hide_it(hidden: str) -> None:
    text = f"a zebra{hidden}corn here"
    assert matched(text, ["zebracorn"]) == [f"zebra{hidden}corn"]
    assert matched(f"what the sh{hidden}it") == [f"sh{hidden}it"]


def test_a_zero_width_space_between_words_still_separates_them() -> None:
    assert matched("a zebra\u200bcorn", ["zebra corn"]) == ["zebra\u200bcorn"]
    assert matched("a zebra\u200bcorn", ["zebra"]) == ["zebra"]


def test_spans_around_invisible_characters_are_the_callers_offsets() -> None:
    text = "\u200b\u200bsay zebra\u200d\u200dcorn\u200b and zebracorn"
    words = compile_words(["zebracorn"])
    assert words.matches(text) == [(6, 17), (23, 32)]
    assert [text[s:e] for s, e in words.matches(text)] == ["zebra\u200d\u200dcorn", "zebracorn"]


def test_fullwidth_letters_match_the_listed_word() -> None:
    assert matched("a ＺＥＢＲＡＣＯＲＮ here", ["zebracorn"]) == ["ＺＥＢＲＡＣＯＲＮ"]
    assert matched("a zebracorn here", ["ｚｅｂｒａｃｏｒｎ"]) == ["zebracorn"]


def test_folding_keeps_the_length_of_what_it_replaces_and_maps_back_what_it_removes() -> None:
    assert fold("ascii only").text == "ascii only"
    folded = fold("４１\u200b１１\u3000x")
    assert (folded.text, folded.wide) == ("4111 x", "41\u200b11 x")
    assert folded.span(0, 4) == (0, 5)  # "4111": the zero-width space inside it is in the span
    assert folded.span(5, 6) == (6, 7)
    assert folded.span(6, 6) == (7, 7)


@pytest.mark.parametrize(
    "number",
    [
        "４１１１ １１１１ １１１１ １１１１",  # fullwidth
        "٤١١١ ١١١١ ١١١١ ١١١١",  # Arabic-Indic
        "4111\u200b1111\u200b1111\u200b1111",
        "４１１１\u3000１１１１\u3000１１１１\u3000１１１１",  # ideographic spaces between the groups
    ],
)
def test_a_card_number_in_other_digits_or_with_invisible_separators_is_found(number: str) -> None:
    text = f"my card is {number}, thanks"
    assert pii(text) == [("CREDIT_DEBIT_CARD_NUMBER", number)]


def test_a_nine_digit_fullwidth_number_is_checked_not_crashed_on() -> None:
    """The Luhn code read fullwidth digits as numbers past 9 (an IndexError: a 500)."""
    assert pii("routing ０２１００００２１") == [("US_BANK_ROUTING_NUMBER", "０２１００００２１")]
    assert pii("SIN ０４６ ４５４ ２８６") == [("CA_SOCIAL_INSURANCE_NUMBER", "０４６ ４５４ ２８６")]


def test_a_masked_fullwidth_number_leaves_the_rest_of_the_text_as_written() -> None:
    outcome = guard(
        "ｃａｒｄ ４１１１ １１１１ １１１１ １１１１ ok, mail ana\u200b@example.com",
        sensitiveInformationPolicyConfig={
            "piiEntitiesConfig": [
                {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "ANONYMIZE"},
                {"type": "EMAIL", "action": "ANONYMIZE"},
            ]
        },
    )
    assert outcome.outputs == ["ｃａｒｄ {CREDIT_DEBIT_CARD_NUMBER} ok, mail {EMAIL}"]
    assert [e["match"] for e in outcome.assessment()["sensitiveInformationPolicy"]["piiEntities"]] == [
        "４１１１ １１１１ １１１１ １１１１",
        "ana\u200b@example.com",
    ]


def test_an_invisible_character_that_separated_a_keyword_from_its_value_still_does() -> None:
    assert pii("SSN\u200b536228841") == [("US_SOCIAL_SECURITY_NUMBER", "536228841")]
    assert pii("SSN\u200b536-22-8841 and 4111 1111 1111 1111") == [
        ("US_SOCIAL_SECURITY_NUMBER", "536-22-8841"),
        ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"),
    ]
