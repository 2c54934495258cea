"""A PII detector is skipped when none of the literals its pattern requires stands in the text. That
never loses a finding: the literals are read off the pattern correctly (every match holds one),
the findings are the same with the shortcut and without it over the repo's labelled texts and
fuzzed variants, and a text with a character that case-folds onto an ASCII letter without
lower-casing to it is searched by every detector."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import pytest

from gateway.guardrails.pii import scanner
from gateway.guardrails.pii.required import FOLDED_APART, required_literals
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from tests.support.labelled_texts import fuzzed as fuzzed_texts
from tests.support.labelled_texts import labelled_texts

ODD_CHARACTERS = ["\u2019", "\u00a0", "\u2014", "é", "ж", "五", "\u200b", "\x1c", "\n", "٣", "İ", "ı", "ſ", "\u212a"]


def fuzzed(texts: list[str], count: int) -> Iterator[str]:
    """Labelled texts with characters outside ASCII put in at random (those Python's case folding
    takes for ASCII letters among them: "paſsword", "Kelvin's \u212aey")."""
    return fuzzed_texts(texts, count, ODD_CHARACTERS, seed=11)


def findings(texts: list[str]) -> list[list[tuple[str, int, int]]]:
    every_type = Scanner(PATTERN_TYPES)
    return [[(f.type, f.start, f.end) for f in every_type.scan(text)] for text in texts]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"@(?:[a-z]+)\.com", {".com"}),  # the longer of two literals every match holds
        (r"(?i:token|secret)\s*=", {"token", "secret"}),  # an alternation: one of its branches' literals
        (r"(?i:password|passwd)", {"passw"}),  # Python's parser takes out the branches' common start
        (r"\bAKIA[A-Z0-9]{16}", {"akia"}),  # compared lower-cased
        (r"(?:abc|de)+x", {"abc", "de"}),  # a repeat taken at least once
        (r"(?i:gültig bis)", {"ltig bis"}),  # a character outside ASCII ends the literal
        ("ΟΔΟΣ ab", {" ab"}),  # "Σ" lower-cases as "ς" at a word's end: no literal of it
        (r"(?:ab|c?)d", {"d"}),  # a branch that needs nothing: the alternation gives nothing
        (r"\d+(?:,\d+)?", None),
        (r"(?:token)?=", {"="}),  # an optional group gives nothing
    ],
)
def test_the_literals_a_pattern_requires_are_read_off_its_parse(pattern: str, literals: set[str] | None) -> None:
    found = required_literals(re.compile(pattern))
    assert found == (frozenset(literals) if literals is not None else None)


def test_every_match_of_a_detector_holds_one_of_its_literals() -> None:
    texts = labelled_texts(every=4)
    lacking: list[tuple[str, str]] = []
    exercised = 0
    for detector in (d for d in scanner.DETECTORS if scanner.REQUIRED[id(d)]):
        required = scanner.REQUIRED[id(detector)] or frozenset()
        matches = [m.group() for text in texts for m in detector.pattern.finditer(text)]
        exercised += bool(matches)
        lacking += [(detector.types[0], m) for m in matches if not any(lit in m.lower() for lit in required)]
    assert lacking == []
    assert exercised >= 40, "too few detectors matched the labelled texts for the check to prove much"


def test_the_characters_folded_apart_are_all_those_that_lower_case_to_no_ascii_letter() -> None:
    every = "".join(chr(code) for code in range(128, sys.maxunicode + 1) if not 0xD800 <= code <= 0xDFFF)
    apart = {
        char
        for char in set(re.findall(r"(?i)[a-z]", every))
        if not any(char.lower() == letter for letter in "abcdefghijklmnopqrstuvwxyz")
    }
    assert apart == set(FOLDED_APART)


def test_the_pii_found_is_the_same_with_and_without_the_literal_shortcut() -> None:
    texts = [*labelled_texts(every=3), *fuzzed(labelled_texts(every=5), 1500)]
    with_it = findings(texts)
    scanner.REQUIRE_LITERALS = False
    try:
        without = findings(texts)
    finally:
        scanner.REQUIRE_LITERALS = True
    assert sum(map(len, with_it)) > 1000, "too few findings for the comparison to prove anything"
    assert with_it == without


def test_a_password_after_a_keyword_spelt_with_a_long_s_is_still_found() -> None:
    # "iſ nu" is "is nu" to the folded pattern, though the text's lower case holds no "is nu"
    text = "Hoi Daan, het wachtwoord van de gedeelde NAS i\u017f nu Tulp3nVeld#2025 (graag niet doorsturen)."
    assert [text[f.start : f.end] for f in Scanner(["PASSWORD"]).scan(text)] == ["Tulp3nVeld#2025"]
