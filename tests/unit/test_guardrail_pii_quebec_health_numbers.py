"""Quebec's health insurance number (four letters and eight digits whose first six are a birth
date, a woman's month plus 50) is a CA_HEALTH_NUMBER beside its words, in French or English; the
same shape without them, or without a date in it, is not."""

from __future__ import annotations

import pytest

from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner

SCANNER = Scanner(PATTERN_TYPES)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in SCANNER.scan(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Numéro d'assurance maladie (RAMQ) : TREM 8405 1219, expire en 2027.", "TREM 8405 1219"),
        ("Carte soleil: BOUM 6212 0412", "BOUM 6212 0412"),  # a woman's: month 62 is December
        ("Her Quebec health card is GAGL 9151 3112.", "GAGL 9151 3112"),
        ('{"ramq": "TREM84051219"}', "TREM84051219"),
    ],
)
def test_a_quebec_health_number_beside_its_words_is_found(text: str, value: str) -> None:
    assert found(text) == [("CA_HEALTH_NUMBER", value)]


@pytest.mark.parametrize(
    "text",
    [
        "Order ABCD 1234 5678 shipped today.",  # no word of a health card
        "RAMQ reference TREM 8499 1219",  # month 99: no birth date
        "Health card on file; batch CODE 8413 4412 processed.",  # no date: day 44
    ],
)
def test_the_same_shape_without_its_words_or_a_birth_date_is_not(text: str) -> None:
    assert found(text) == []
