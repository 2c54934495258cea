"""A long text's PII scan is remembered (gateway/guardrails/text_memo.py), so a conversation's history,
re-sent on every turn, is not scanned again: the findings are the same as a fresh scan's, fresh
objects each time, never another scanner's, and the memo keeps no text."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from gateway.config.settings import Settings
from gateway.guardrails.pii.scan import Finding
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from gateway.guardrails.policies.words import compile_words, profanity
from gateway.guardrails.text_memo import CHECKED, MIN_CHARACTERS, TextMemo

HISTORY = (
    "Thanks for looking into this. My card 4111 1111 1111 1111 was charged twice for order 4411-2093 "
    "and the receipt went to ana.lopez@example.com instead of my work address. You can call me back "
    "on 415-555-0134 after five, or reach my colleague at 10.20.30.40 through the VPN. The invoice "
    "number is INV-2026-0457 and the amount was 219.99; please refund one of the two charges."
)


def typed(findings: list[Finding]) -> list[tuple[str, int, int]]:
    return [(f.type, f.start, f.end) for f in findings]


def test_a_long_text_scanned_again_gives_the_same_findings_without_being_scanned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert len(HISTORY) >= MIN_CHARACTERS
    scanner = Scanner(PATTERN_TYPES)
    first = typed(scanner.scan(HISTORY))
    assert {t for t, _, _ in first} >= {"CREDIT_DEBIT_CARD_NUMBER", "EMAIL", "PHONE", "IP_ADDRESS"}

    def no_scan(text: str) -> list[Finding]:
        raise AssertionError("scanned again")

    monkeypatch.setattr(scanner, "_scan_text", no_scan)
    assert typed(scanner.scan(HISTORY)) == first
    assert typed(Scanner(PATTERN_TYPES).scan(HISTORY)) == first  # another guardrail, the same types


def test_findings_from_the_memo_are_fresh_objects() -> None:
    scanner = Scanner(PATTERN_TYPES)
    first = scanner.scan(HISTORY)
    expected = typed(first)
    for finding in first:  # a caller that moves its findings (as the scanner does between readings)
        finding.start, finding.end = 0, 1
    again = scanner.scan(HISTORY)
    assert typed(again) == expected
    again[0].start = 5
    assert typed(scanner.scan(HISTORY)) == expected


def test_scanners_of_other_types_never_answer_each_other() -> None:
    emails, phones = Scanner(["EMAIL"]), Scanner(["PHONE"])
    assert [t for t, _, _ in typed(emails.scan(HISTORY))] == ["EMAIL"]
    assert [t for t, _, _ in typed(phones.scan(HISTORY))] == ["PHONE"]
    assert [t for t, _, _ in typed(emails.scan(HISTORY))] == ["EMAIL"]


def test_a_changed_text_is_scanned_afresh() -> None:
    scanner = Scanner(PATTERN_TYPES)
    scanner.scan(HISTORY)
    changed = HISTORY.replace("ana.lopez@example.com", "my work address")
    assert "EMAIL" not in {t for t, _, _ in typed(scanner.scan(changed))}


def test_short_texts_are_scanned_every_time() -> None:
    before = len(CHECKED)
    short = "mail ana@example.com"
    Scanner(PATTERN_TYPES).scan(short)
    Scanner(PATTERN_TYPES).scan(short)
    assert len(CHECKED) == before


def test_the_memo_keeps_no_text() -> None:
    memo = TextMemo(4)
    key = memo.key("scope", HISTORY)
    assert key is not None
    memo.put(key, (("EMAIL", 10, 20, 0),))
    kept = repr(memo._kept)
    assert "ana.lopez" not in kept and "4111" not in kept and "charged" not in kept


def test_the_memo_forgets_the_least_recently_used_first() -> None:
    memo = TextMemo(2)
    keys = [memo.key("scope", HISTORY + str(n)) for n in range(3)]
    assert None not in keys
    memo.put(keys[0], ((0, 1),))
    memo.put(keys[1], ((2, 3),))
    assert memo.get(keys[0]) is not None  # used: the other one is now the oldest
    memo.put(keys[2], ())
    assert memo.get(keys[1]) is None
    assert memo.get(keys[0]) == ((0, 1),) and memo.get(keys[2]) == ()


def test_a_memo_of_no_entries_keeps_nothing() -> None:
    memo = TextMemo(0)
    assert memo.key("scope", HISTORY) is None
    memo = TextMemo(3)
    memo.put(memo.key("scope", HISTORY), ())
    memo.resize(0)
    assert len(memo) == 0 and memo.key("scope", HISTORY) is None


def test_threads_scanning_the_same_texts_at_once_all_get_the_right_findings() -> None:
    """The engine scans very large requests in a thread while the event loop scans others."""
    texts = [HISTORY.replace("0134", f"{n:04d}") for n in range(40)]
    expected = [typed(Scanner(PATTERN_TYPES)._scan_text(t)) for t in texts]
    scanner = Scanner(PATTERN_TYPES)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda t: typed(scanner.scan(t)), texts * 5))
    assert results == expected * 5


def test_a_word_list_reads_a_long_text_once_and_answers_the_same_after(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = compile_words(["charged twice", "refund"])
    text = HISTORY + " Please, no damn delays this time."
    first = listed.matches(text)
    assert [text[a:b] for a, b in first] == ["charged twice", "refund"]

    def no_read(text: str) -> list[tuple[int, int]]:
        raise AssertionError("read again")

    monkeypatch.setattr(type(listed), "_read", no_read)
    assert listed.matches(text) == first
    first.clear()  # the caller's list is its own
    assert listed.matches(text) == [
        (text.index("charged twice"), text.index("charged twice") + 13),
        (
            text.index("refund"),
            text.index("refund") + 6,
        ),
    ]
    monkeypatch.undo()
    assert [text[a:b] for a, b in profanity().matches(text)] == ["damn"], "another list is never answered by this one's"


def test_the_memo_size_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATA_GUARDRAIL_SCAN_CACHE", "0")
    assert Settings().guardrail_scan_cache == 0
    monkeypatch.delenv("STRATA_GUARDRAIL_SCAN_CACHE")
    assert Settings().guardrail_scan_cache == 16_384
