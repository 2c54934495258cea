"""How the PII detectors find their context words: from the literal starts (needles) of each keyword
list, found in one Aho-Corasick pass over the text, then the list's pattern tried only where a needle
stands. That is a shortcut, and it must never change an answer: the keyword found in a window is the
one the pattern's own search finds there, and a text scanned never makes the automaton be rebuilt
(which takes milliseconds) because a gate asked about a word nobody had registered."""

from __future__ import annotations

import itertools

import pytest

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lookalike_words
from gateway.guardrails.pii.keywords import NEEDLES, Keywords, keywords
from gateway.guardrails.pii.scan import Scan
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from tests.support.labelled_texts import labelled_texts

LISTS = {name: value for name, value in vars(ctx).items() if isinstance(value, Keywords)}

TEXTS = [
    "Please charge my Visa 4111 1111 1111 1111, exp 09/27, CVV 318; call me on (415) 555-0132.",
    "Kontonummer 12345678, BLZ 10020030; bitte rufen Sie mich unter 030 1234567 an. Ablaufdatum 11/26",
    "Bank account / routing: 021000021 and 12345678. Acct. no 99887766, a/c 1234-5678",
    "My SSN is 536-22-8841 and my passport A12345678; NHS number 943 476 5919, SIN 046 454 286",
    "Order 5551234 shipped; ticket #4821; batch 778812 best before 12/26; firmware v2.14.1.0 upgraded",
    "電話番号 090-1234-5678、パスワード hunter2。口座番号 1234567、有効期限 12/28",
    "계좌번호 110-123-456789 로 보내주세요. 비밀번호는 qwerty12 입니다. 유효기간 08/27",
    "Срок действия карты 05/27, пароль: Sup3rS3cret, счёт 40817810099910004312",
    "Ngày hết hạn 03/28, mật khẩu là abc12345, số tài khoản 0123456789",
    "PHONE: +44 20 7946 0958 | Mobile 07700 900123 | FAX 020 7946 0000 | Tel.: 0049 30 1234567",
    "İstanbul şubesi, hesap numarası TR33 0006 1005 1978 6457 8413 26, Kredi kartı 5555 5555 5555 4444",
]


def _windows(text: str) -> list[tuple[int, int]]:
    """Every window of a few widths, sliding by a few characters."""
    spans = []
    for width in (8, 16, 32, 60, len(text)):
        for start in range(0, max(1, len(text) - width + 1), 3):
            spans.append((start, min(len(text), start + width)))
    return spans


@pytest.mark.parametrize("name", sorted(LISTS))
def test_the_keyword_found_in_a_window_is_the_one_the_pattern_search_finds(name: str) -> None:
    words = LISTS[name]
    for text in [*TEXTS, *(t.upper() for t in TEXTS)]:
        scan = Scan(text)
        if not scan.mentions(words):
            assert all(words.pattern.search(text, a, b) is None for a, b in _windows(text)), text
            continue
        for start, end in _windows(text):
            expected = words.pattern.search(text, start, end)
            got = scan.keyword_in(words, start, end)
            assert (got and got.span()) == (expected and expected.span()), (name, text, start, end)


def test_a_keyword_that_only_contains_another_list_word_is_found_from_its_own_start() -> None:
    words = keywords(r"bank account", r"accounts?")
    text = "wire it to the bank account below"
    found = Scan(text).keyword_in(words, 0, len(text))
    assert found is not None and found.group() == "bank account"


def test_scanning_texts_never_rebuilds_the_keyword_automaton() -> None:
    scanner = Scanner(PATTERN_TYPES)
    before = NEEDLES.build()
    for text, other in itertools.product(TEXTS, ["", " card payment billing\nuser,password\nbob,x", " <pass>"]):
        scanner.scan(text + other)
    assert NEEDLES.build() is before, "a gate asked about words not registered at import"


def test_a_gate_asking_about_new_words_still_answers_them() -> None:
    scan = Scan("the zanzibar shipment")
    assert scan.has("zanzibar", "timbuktu")
    assert not scan.has("timbuktu")
    assert Scan("timbuktu via zanzibar").has("timbuktu")


def test_every_keyword_list_but_the_version_words_has_literal_starts() -> None:
    """One keyword without a literal start (a fragment opening with "(" or "[") makes its whole list
    count as mentioned by every text, and opens every gate that asks about it."""
    lists = {**LISTS, **{n: v for n, v in vars(lookalike_words).items() if isinstance(v, Keywords)}}
    assert [name for name, words in lists.items() if words.needles is None] == ["VERSION_CHANGE"]


def test_an_ascii_text_holds_the_same_needles_as_the_whole_automaton_finds() -> None:
    """ASCII texts are read by an automaton of the ASCII needles alone: no needle is lost by it."""
    built = NEEDLES.build()
    checked = 0
    for text in [t.lower() for t in [*TEXTS, *labelled_texts(every=2)] if t.isascii()]:
        whole = set(built.every.find_matches_as_strings(text, overlapping=True))
        whole.update(c for c in built.single if c in text)
        present, _ = NEEDLES.present(text)
        assert present == whole, text
        checked += bool(whole)
    assert checked > 1000
