"""Which swapped words the semantic guard's one-slot rule takes for one: forms of a word and curated
synonyms of everyday requests, never two things of one kind or two opposites."""

from __future__ import annotations

import pytest

from gateway.services.cache.semantic_guard_words import CONTRASTS, TERMS
from gateway.services.cache.semantic_synonyms import _SYNONYMS, interchangeable


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("speak", "spoken"),
        ("wrote", "written"),
        ("child", "children"),
        ("city", "cities"),
        ("easy", "easily"),
        ("stop", "stopped"),
        ("make", "makes"),
        ("purchase", "buy"),
        ("purchased", "bought"),
        ("tips", "advice"),
        ("kids", "children"),
        ("large", "biggest"),
    ],
)
def test_another_form_or_a_synonym_is_the_same_word(a: str, b: str) -> None:
    assert interchangeable(a, b) and interchangeable(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("story", "poem"),
        ("commit", "push"),
        ("husband", "wife"),
        ("east", "west"),
        ("printer", "print"),
        ("exception", "mistake"),  # both synonyms of "error", not of each other
        ("gold", "silver"),
        ("check", "confirm"),  # checking a booking is not confirming it
        ("email", "mail"),  # a letter by post is not an e-mail
    ],
)
def test_two_things_of_one_kind_are_not(a: str, b: str) -> None:
    assert not interchangeable(a, b) and not interchangeable(b, a)


def test_no_synonym_group_holds_two_opposites_or_two_terms() -> None:
    groups: dict[int, list[str]] = {}
    for word, ids in _SYNONYMS.items():
        for i in ids:
            groups.setdefault(i, []).append(word)
    for words in groups.values():
        poles = {CONTRASTS[w] for w in words if w in CONTRASTS}
        assert len({group for group, _ in poles}) == len(poles), words
        assert len({TERMS[w] for w in words if w in TERMS}) <= 1, words
