"""Sensitive information: precision and recall per PII entity type on data/pii.jsonl, with every
pattern type enabled at once (so types compete for the same digits, as in a real guardrail).

A case is ``{"text", "expected": [{"type", "match"}], "note", "lookalike": [types]}``; ``lookalike``
names the types a negative case imitates (an order number failing Luhn is a CREDIT_DEBIT_CARD_NUMBER
look-alike). Counting is per entity: a found span of the right type that overlaps an expected one is
a true positive, one that overlaps none a false positive. A case counts for a type when it expects
it, imitates it, or the detector reported it; it is a true negative when it neither expected nor got
one.

Latency: per case, the scan with every pattern type; and, in the note of the first row, the median
for a 2 KB prompt through words (PROFANITY and custom words), every pattern type and 3 regexes.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.guardrail_evals.score import Score
from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side, WordPolicyConfig
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from gateway.guardrails.policies import pii, words
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.text_memo import CHECKED

NAME = "pii"
DATA = Path(__file__).parent / "data" / "pii.jsonl"
MORE: list[tuple[Path, str]] = []  # further sets, each scored as one row (the holdout run's later ones)
Span = tuple[str, int, int]  # (type, start, end)
Finder = Callable[[str], list[Span]]


@dataclass
class Case:
    text: str
    expected: list[Span]
    lookalike: set[str] = field(default_factory=set)


def load(path: Path = DATA) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            cases.append(
                Case(item["text"], _locate(item["text"], item["expected"]), _imitated(item.get("lookalike", ())))
            )
    return cases


def _imitated(lookalike: list[str] | bool) -> set[str]:
    """The types a look-alike row imitates. pii_holdout21's writer was asked for a flag, not a list:
    its ``true`` names none (the row still counts its false positives; precision and recall do not
    read true negatives)."""
    return set() if isinstance(lookalike, bool) else set(lookalike)


def _locate(text: str, expected: Iterable[dict[str, str]]) -> list[Span]:
    """Each expected match's span: successive occurrences when a match repeats, whole tokens first
    (a CVV "318" is the one after "CVV", not the end of the card number "... 9318" before it)."""
    spans: list[Span] = []
    for entry in expected:
        match, kind = entry["match"], entry["type"]
        taken = {s[1] for s in spans if s[0] == kind}
        starts = [i for i in _occurrences(text, match) if i not in taken]
        assert starts, (entry, text)
        whole = [i for i in starts if _whole_token(text, i, i + len(match))]
        start = (whole or starts)[0]
        spans.append((kind, start, start + len(match)))
    return spans


def _occurrences(text: str, match: str) -> list[int]:
    found, start = [], text.find(match)
    while start >= 0:
        found.append(start)
        start = text.find(match, start + 1)
    return found


def _whole_token(text: str, start: int, end: int) -> bool:
    """Not glued to a letter or digit on either side."""
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def _overlap(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def score(cases: list[Case], finder: Finder, types: Iterable[str], label: str) -> tuple[list[Score], Score]:
    """Per-type scores and their sum, for ``finder`` over ``cases`` (only ``types`` counted)."""
    wanted = sorted(set(types))
    per_type = {t: Score(f"{label}{t}") for t in wanted}
    total = Score(f"{label}all pattern types")
    for case in cases:
        started = time.perf_counter()
        found = [f for f in finder(case.text) if f[0] in per_type]
        elapsed = (time.perf_counter() - started) * 1000
        total.latency_ms.append(elapsed)
        for kind in wanted:
            expected = [e for e in case.expected if e[0] == kind]
            got = [f for f in found if f[0] == kind]
            if not (expected or got or kind in case.lookalike):
                continue
            _count(per_type[kind], expected, got)
            _count(total, expected, got)
    return [s for s in per_type.values() if s.cases], total


def _count(score: Score, expected: list[Span], got: list[Span]) -> None:
    hits = sum(any(_overlap(e, f) for f in got) for e in expected)
    score.true_positives += hits
    score.false_negatives += len(expected) - hits
    score.false_positives += sum(not any(_overlap(f, e) for e in expected) for f in got)
    if not expected and not got:
        score.true_negatives += 1


def strata_finder(types: Iterable[str] = PATTERN_TYPES) -> Finder:
    scanner = Scanner(types)
    return lambda text: [(f.type, f.start, f.end) for f in scanner.scan(text)]


PROMPT_2KB = (
    "Hello team, I am writing to follow up on the quarterly planning meeting we had last Tuesday. The main "
    "points were the migration of the billing service, the new onboarding flow for enterprise customers, and "
    "the budget for the second half of the year, which is currently estimated at around 1.2 million dollars. "
    "Please review the attached document before Friday and send your comments to jane.smith@example.com or call "
    "me at (415) 555-0132. We also need to decide whether to renew the contract with our hosting vendor, whose "
    "prices went up by 15% in March. For the reimbursement, use card 4111 1111 1111 1111 and keep the receipts "
    "for accounting. The dashboard at https://dashboard.example.com/reports shows the latest numbers, including "
    "3,482 active accounts and 97.5% uptime. Thanks again for your help with all of this; let me know if "
    "anything is unclear or if you need more time. "
) * 3


async def pattern_policies_ms(runs: int = 300) -> float:
    """Median ms for words + every PII pattern type + 3 regexes on a 2 KB prompt, through the
    policies' own checks (what the engine runs for them)."""
    text = PROMPT_2KB[:2048]
    CHECKED.resize(0)  # each run scans: the memo would answer every run after the first
    resources = Resources()
    sensitive = SensitiveInformationPolicyConfig(
        piiEntitiesConfig=[{"type": t, "action": "ANONYMIZE"} for t in sorted(PATTERN_TYPES)],
        regexesConfig=[
            {"name": "employee id", "pattern": r"EMP-\d{6}", "action": "ANONYMIZE"},
            {"name": "project code", "pattern": r"PRJ-[A-Z]{3}-\d{4}", "action": "BLOCK"},
            {"name": "ticket", "pattern": r"[A-Z]{2,6}-\d{2,6}", "action": "NONE"},
        ],
    )
    word_policy = WordPolicyConfig(
        wordsConfig=[{"text": w} for w in ("project falcon", "competitor", "internal only")],
        managedWordListsConfig=[{"type": "PROFANITY"}],
    )
    checks = [*words.checks(word_policy, Side.INPUT, resources), *pii.checks(sensitive, Side.INPUT, resources)]
    units = [TextUnit(text)]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        for check in checks:
            await check.detect(units)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[runs // 10 :])


async def evaluate() -> list[Score]:
    cases = load(DATA)
    per_type, total = score(cases, strata_finder(), PATTERN_TYPES, "PII: ")
    per_type.sort(key=lambda s: s.policy)
    latency = await pattern_policies_ms()
    total.note = f"2 KB prompt, words + all pattern types + 3 regexes: {latency:.3f} ms median"
    more = []
    for path, note in MORE:
        cases_more = load(path)
        _, total_more = score(cases_more, strata_finder(), own_types(cases_more), "PII: ")
        total_more.note = note
        more.append(total_more)
    return [total, *per_type, *more]


def own_types(cases: list[Case]) -> set[str]:
    """The types a set was written for (those it expects or imitates): a later set written for the 21
    pattern types of Bedrock's list does not label the VINs or licence plates its texts hold, and the
    detector's right answer there is no false positive."""
    return PATTERN_TYPES & (
        {span[0] for case in cases for span in case.expected} | {t for c in cases for t in c.lookalike}
    )
