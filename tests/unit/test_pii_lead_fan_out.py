"""The scanner finds where number-led detectors may start with one pattern trying every lead. An
ASCII text is read by a cheaper compilation of it (``re.ASCII``, ``[0-9]`` for ``\\d``); that never
changes where a lead holds, nor what the scan finds."""

from __future__ import annotations

import re

import pytest

from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from tests.support.labelled_texts import fuzzed, labelled_texts

ASCII_ODDITIES = ["0", "7", "(", "+", "-", ".", "/", " ", "\n", "_", "x"]


def places(pattern: re.Pattern[str], text: str) -> list[tuple[int, tuple[bool, ...]]]:
    return [(m.start(), tuple(g is not None for g in m.groups())) for m in pattern.finditer(text)]


@pytest.fixture(scope="module")
def ascii_texts() -> list[str]:
    texts = [t for t in labelled_texts() if t.isascii()]
    return texts + list(fuzzed(texts, 3000, ASCII_ODDITIES, seed=5))


def test_an_ascii_text_has_the_same_lead_places_read_either_way(ascii_texts: list[str]) -> None:
    scanner = Scanner(PATTERN_TYPES)
    assert scanner.fan_out is not None and scanner.ascii_fan_out is not None
    with_leads = 0
    for text in ascii_texts:
        either = places(scanner.fan_out, text)
        assert places(scanner.ascii_fan_out, text) == either, text
        with_leads += any(any(held) for _, held in either)
    assert with_leads > 1000  # the check compared places where leads hold, not only empty lists


def test_a_scan_of_an_ascii_text_finds_the_same_read_either_way(ascii_texts: list[str]) -> None:
    fast = Scanner(PATTERN_TYPES)
    slow = Scanner(PATTERN_TYPES)
    slow.ascii_fan_out = slow.fan_out  # the Unicode reading for every text
    found = 0
    for text in ascii_texts[::3]:
        expected = [(f.type, f.start, f.end) for f in slow.scan(text)]
        assert [(f.type, f.start, f.end) for f in fast.scan(text)] == expected, text
        found += len(expected)
    assert found > 500


@pytest.mark.parametrize(
    "text",
    [
        "Numéro de carte : 4539 1488 0343 6467, merci.",  # outside ASCII: the Unicode reading
        "card: \u0664\u0665\u0663\u0669 \u0661\u0664\u0668\u0668 \u0660\u0663\u0664\u0663 \u0666\u0664\u0666\u0667",
    ],
)
def test_a_card_number_in_a_text_outside_ascii_is_still_found(text: str) -> None:
    """Accented prose keeps the Unicode reading; Arabic-Indic digits fold to ASCII ones first."""
    assert [f.type for f in Scanner(PATTERN_TYPES).scan(text)] == ["CREDIT_DEBIT_CARD_NUMBER"]
