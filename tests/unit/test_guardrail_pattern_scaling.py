"""Pattern guardrails on large texts: the work grows with the text and the number of findings, not
with their square, and a megabyte gives exactly the findings (and placeholders) its pieces give.

Speed is measured by the benchmark scripts, not here. The work is counted instead: every read of a
finding's position or type (overlaps settled, "a card number ends just before this CVV?") goes
through a counting ``Finding``. Doubling the text must about double the count: a check of each
finding against every finding kept before it (what made 1 MB of email addresses take 69 s) would
quadruple it. The megabyte cases run on patterns whose own search was quadratic in the text (a
lazy search for a missing PEM footer, brackets recounted at every trailing ")"); the suite's time
limit is what such a search would run into.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.pii import scan as scan_module
from gateway.guardrails.pii.scan import Finding
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner, settle
from gateway.guardrails.policies.base import Resources, TextUnit

MEGABYTE = 1_000_000


def _counted(field: str) -> Any:
    """A property over one of ``Finding``'s slots that counts its reads."""
    slot = vars(Finding)[field]

    def read(finding: Finding) -> Any:
        _Counted.reads += 1
        return slot.__get__(finding, Finding)

    def write(finding: Finding, value: Any) -> None:
        slot.__set__(finding, value)

    return property(read, write)


class _Counted(Finding):
    """A finding that counts every read of its position and type."""

    __slots__ = ()
    reads = 0
    type = _counted("type")
    start = _counted("start")
    end = _counted("end")


def reads_to_scan(monkeypatch: pytest.MonkeyPatch, scanner: Scanner, text: str) -> tuple[int, int]:
    """(reads of findings' fields, findings) for one scan of ``text``, every finding a counting one."""
    monkeypatch.setattr(scan_module, "Finding", _Counted)
    _Counted.reads = 0
    findings = scanner.scan(text)
    assert all(isinstance(f, _Counted) for f in findings)
    return _Counted.reads, len(findings)


@pytest.mark.parametrize(
    ("types", "piece", "found_per_piece"),
    [
        (["EMAIL"], "ana@example.com ", 1),  # overlaps settled: each finding against the kept ones
        (["CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_CVV"], "4111111111111111 x 12 ", 1),  # "follows a card?"
        (  # a key-shaped value not right after an access key: "follows one?" looked through them all
            ["AWS_ACCESS_KEY", "AWS_SECRET_KEY"],
            "AKIAIOSFODNN7EXAMPLE then a long value wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY. ",
            1,
        ),
        (sorted(PATTERN_TYPES), "call 555-123-4567 or mail ana@example.com, SSN 536-22-8841. ", 3),
    ],
)
def test_the_work_of_a_pattern_scan_grows_linearly_with_its_findings(
    monkeypatch: pytest.MonkeyPatch, types: list[str], piece: str, found_per_piece: int
) -> None:
    scanner = Scanner(types)
    small, small_found = reads_to_scan(monkeypatch, scanner, piece * 1000)
    large, large_found = reads_to_scan(monkeypatch, scanner, piece * 2000)
    assert (small_found, large_found) == (1000 * found_per_piece, 2000 * found_per_piece)
    assert large <= 2.2 * small  # quadratic work would be 4 times


def test_settling_overlaps_grows_linearly_when_many_findings_overlap() -> None:
    """Ranked identifiers that overlap in chains (each shares digits with the next) and same-type
    findings nested in longer ones: the tree kept of them answers each finding in log time."""

    def chains(count: int) -> list[Finding]:
        out: list[Finding] = []
        for i in range(count):
            out += [
                _Counted("CREDIT_DEBIT_CARD_NUMBER", 10 * i, 10 * i + 16, 90),
                _Counted("US_BANK_ACCOUNT_NUMBER", 10 * i + 5, 10 * i + 12, 40),
                _Counted("URL", 10 * i, 10 * i + 30, 0),
                _Counted("URL", 10 * i + 2, 10 * i + 4, 0),
            ]
        return out

    counts = []
    for count in (1200, 2400):
        findings = chains(count)
        _Counted.reads = 0
        kept = settle(findings)
        counts.append(_Counted.reads)
        # every other card (each overlaps its neighbours), no account (each inside a kept card), every
        # third long URL (each overlaps the next two) and no short one (each inside a kept long one)
        assert sorted((f.type, f.start) for f in kept) == sorted(
            [("CREDIT_DEBIT_CARD_NUMBER", 10 * i) for i in range(0, count, 2)]
            + [("URL", 10 * i) for i in range(0, count, 3)]
        )
    assert counts[1] <= 2.2 * counts[0]


def _pairwise(findings: list[Finding]) -> list[Finding]:
    """The overlap rule, written as it reads: each finding, by rank, length and position, against
    every finding kept before it (quadratic: the reference for small inputs only)."""
    kept: list[Finding] = []
    ranked: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-f.rank, f.start - f.end, f.start)):
        overlapping = [o for o in ranked if finding.start < o.end and o.start < finding.end]
        if finding.rank:
            if overlapping:
                continue
            ranked.append(finding)
        if not any(finding.start < o.end and o.start < finding.end for o in kept if o.type == finding.type):
            kept.append(finding)
    return kept


def test_settle_keeps_what_the_pairwise_rule_keeps_on_random_overlaps() -> None:
    import random

    rng = random.Random(7)
    ranks = {"A": 0, "B": 50, "C": 50, "D": 90}
    for _ in range(2000):
        findings = []
        for _ in range(rng.randint(0, 25)):
            start = rng.randint(0, 40)
            kind = rng.choice("ABCD")
            findings.append(Finding(kind, start, start + rng.choice([0, 1, 2, 3, 5, 8, 13]), ranks[kind]))
        assert settle(list(findings)) == _pairwise(findings)


def megabyte_of(piece: str) -> str:
    return piece * (MEGABYTE // len(piece))


def piecewise(scanner: Scanner, piece: str, copies: int) -> list[tuple[str, int, int]]:
    """The findings of ``copies`` pieces in a row, from those of one piece (moved along)."""
    one = [(f.type, f.start, f.end) for f in scanner.scan(piece)]
    return [(kind, start + i * len(piece), end + i * len(piece)) for i in range(copies) for kind, start, end in one]


@pytest.mark.parametrize(
    ("types", "piece"),
    [
        (["EMAIL"], "ana@example.com "),
        (["PASSWORD"], "-----BEGIN RSA PRIVATE KEY-----\n"),  # no footer anywhere after a header
        (["PASSWORD"], "-----BEGIN PRIVATE KEY-----\nMIIEvQ==\n-----END PRIVATE KEY-----\n"),
        (sorted(PATTERN_TYPES), "Card 4111 1111 1111 1111 exp 12/27 cvv 123, mail ana@example.com. "),
        # numbers read again as digits: stray spaces dropped, spoken runs (each edit checked once)
        (sorted(PATTERN_TYPES), "SSN 536 - 22 - 8841, pages 1 - 2 and 3 / 4; "),
        (sorted(PATTERN_TYPES), "my NHS number is nine four three 476 5919. "),
    ],
)
def test_a_megabyte_gives_the_findings_of_its_pieces(types: list[str], piece: str) -> None:
    scanner = Scanner(types)
    text = megabyte_of(piece)
    found = [(f.type, f.start, f.end) for f in scanner.scan(text)]
    assert found == piecewise(scanner, piece, len(text) // len(piece))


def test_a_url_ending_in_a_megabyte_of_brackets_is_trimmed_once() -> None:
    text = "see http://example.com/a(b)" + ")" * MEGABYTE
    assert [(f.type, text[f.start : f.end]) for f in Scanner(["URL"]).scan(text)] == [
        ("URL", "http://example.com/a(b)")
    ]


def test_a_megabyte_of_addresses_is_masked_address_by_address() -> None:
    definition = GuardrailDefinition(
        name="g",
        blockedInputMessaging="Blocked input.",
        blockedOutputsMessaging="Blocked output.",
        sensitiveInformationPolicyConfig={"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
    )
    compiled = compile_guardrail("gr", "DRAFT", definition, Resources())
    text = megabyte_of("ana@example.com ")
    outcome = asyncio.run(apply(compiled, Side.INPUT, [TextUnit(text)]))
    assert outcome.outputs == ["{EMAIL} " * (len(text) // 16)]
    entries: list[dict[str, Any]] = outcome.assessment()["sensitiveInformationPolicy"]["piiEntities"]
    assert len(entries) == len(text) // 16
    assert entries[0] == {"match": "ana@example.com", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}
