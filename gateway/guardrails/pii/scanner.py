"""Running the detectors a guardrail's PII types need over a text, and settling overlaps.

Detectors run in a fixed order (card numbers before the CVV and expiry that may follow them,
access keys before the secret keys paired with them); a detector runs when a configured type
needs it, directly or through a later detector that reads its findings.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any

from gateway.guardrails.pii import (
    aws_keys,
    codes,
    mac_addresses,
    network,
    numbers,
    password_phrases,
    phones,
    private_keys,
    quebec_health,
    secret_forms,
    secrets,
    tool_outputs,
)
from gateway.guardrails.pii.detector import Detector, WordGate
from gateway.guardrails.pii.folding import fold, spaceless_separated
from gateway.guardrails.pii.keywords import NEEDLES
from gateway.guardrails.pii.required import FOLDED_APART, required_literals
from gateway.guardrails.pii.scan import Finding, Scan
from gateway.guardrails.pii.spoken import rereadings
from gateway.guardrails.text_memo import CHECKED

DETECTORS: tuple[Detector, ...] = (
    *numbers.DETECTORS,
    *quebec_health.DETECTORS,
    *phones.DETECTORS,
    *network.DETECTORS,
    *mac_addresses.DETECTORS,
    *codes.DETECTORS,
    *aws_keys.DETECTORS,
    *secrets.DETECTORS,
    *private_keys.DETECTORS,
    *secret_forms.DETECTORS,
    *password_phrases.DETECTORS,
    *tool_outputs.DETECTORS,
)
PATTERN_TYPES = frozenset(t for d in DETECTORS for t in d.types)


def _skippable(detector: Detector) -> bool:
    """Whether a detector finds nothing where its pattern cannot match the text: it searches with
    the pattern itself, over the whole text (led detectors are tried only where their lead holds)."""
    return detector.lead is None and (detector.matches is None or getattr(detector.matches, "whole_text", False))


def _requirement(detector: Detector) -> frozenset[str] | None:
    """The literals (lower-cased) one of which a text must hold for ``detector`` to find anything
    in it; None: always tried. They join the keyword automaton, whose one pass a scan makes anyway:
    some 40 detectors otherwise each cost a call, a gate and often a search of the text (10-20 us
    on a short answer; twice that in a gateway whose caches the rest of a request has just filled)."""
    if not _skippable(detector):
        return None
    literals = required_literals(detector.pattern)
    if literals is not None:
        NEEDLES.add(literals)
    return literals


REQUIRED = {id(d): _requirement(d) for d in DETECTORS}
NEEDLES.build()  # every detector's keywords, gate words and required literals are in by now


# Where a led detector may start: a digit, "(" or "+" not inside a word or after a dot.
_LEAD_START = r"[\d(+](?<![\w.][\d(+])"
_ASCII_LEAD_START = r"[0-9(+](?<![\w.][0-9(+])"  # the same, for ASCII texts only
_RUN = r"[\d .()\-/]"  # what a lead's ``lead_run`` counts
_NONE = repeat(None)  # endless: beside a match's groups, which of them captured
REQUIRE_LITERALS = True  # False: every detector tried whatever the text holds (tests compare the two)


class Scanner:
    """The detectors for a set of entity types, compiled once per guardrail version."""

    def __init__(self, types: Iterable[str]) -> None:
        self.types = frozenset(types) & PATTERN_TYPES
        needed = set(self.types)
        for detector in reversed(DETECTORS):  # needs point backwards, so one pass collects them all
            if needed.intersection(detector.types):
                needed.update(detector.needs)
        chosen = [d for d in DETECTORS if needed.intersection(d.types)]
        self.led = tuple(d for d in chosen if d.lead is not None)
        self.others = tuple(d for d in chosen if d.lead is None)
        # the words of those gated on words, tested here against the text's needles (None: its own gate)
        self.gate_words = tuple(d.gate.words if isinstance(d.gate, WordGate) else None for d in self.others)
        self.required = tuple(REQUIRED[id(d)] for d in self.others)  # skipped when none stands in the text
        self.fan_out, self.ascii_fan_out, self.in_led_order = _fan_out(self.led)

    def scan(self, text: str) -> list[Finding]:
        """The configured types' findings in ``text``, by position; a long text scanned before by
        a scanner of the same types is answered from the memo (text_memo.py: a conversation's history)."""
        key = CHECKED.key(("pii", self.types, REQUIRE_LITERALS), text)
        if key is None:
            return self._scan_text(text)
        kept = CHECKED.get(key)
        if kept is not None:
            return [Finding(kind, start, end, rank) for kind, start, end, rank in kept]
        found = self._scan_text(text)
        CHECKED.put(key, tuple((f.type, f.start, f.end, f.rank) for f in found))
        return found

    def _scan_text(self, text: str) -> list[Finding]:
        """The configured types' findings in ``text``, by position.

        The detectors read the text folded (folding.py: fullwidth and other digits as ASCII,
        invisible characters out); offsets are the original text's. A text with invisible
        characters is also read with them standing as separators, as they did before ("SSN\\u200b"
        then a number), and the two readings' findings are settled together; so is a text with
        Han, kana or Hangul flush against a value, read with those characters as spaces."""
        if not text or not (self.led or self.others):
            return []
        folded = fold(text)
        found = self._scan(folded.text)
        for rewritten, offsets in rereadings(folded.text):  # numbers spelled out or broken by a scan, as digits
            extra = self._scan(rewritten)
            for finding in extra:
                finding.start, finding.end = offsets[finding.start], offsets[finding.end]
            found = settle(found + extra)
        separated = spaceless_separated(folded.text)  # a value written flush against Han, kana or Hangul
        if separated is not None:
            found = settle(found + self._scan(separated))
        if folded.removed:
            for finding in found:
                finding.start, finding.end = folded.span(finding.start, finding.end)
            found = settle(found + self._scan(folded.wide))
        return sorted((f for f in found if f.type in self.types), key=lambda f: f.start)

    def _scan(self, text: str) -> list[Finding]:
        """Every detector's findings in ``text``, overlaps settled (reported types or not)."""
        scan = Scan(text)
        ascii = text.isascii()
        fan_out = self.ascii_fan_out if ascii else self.fan_out
        if fan_out is not None:
            led = self.led
            in_led_order = self.in_led_order
            for match in fan_out.finditer(text):
                if match.lastindex is not None:  # some lead holds here: run those whose lead captured
                    start = match.start()
                    for detector in compress(led, map(is_not, in_led_order(match.groups()), _NONE)):
                        detector.run_at(scan, start)
        present = scan.needles()
        # a text holding a character that folds onto an ASCII letter without lower-casing to it
        # ("ı", "İ", "ſ") may match a case-folded pattern whose literals its lower-case lacks
        literal = REQUIRE_LITERALS and (ascii or not any(char in text for char in FOLDED_APART))
        for detector, words, required in zip(self.others, self.gate_words, self.required, strict=True):
            if literal and required is not None and required.isdisjoint(present):
                continue
            if words is None:
                detector.run(scan)
            elif not words.isdisjoint(present):
                detector.search(scan)
        return settle(scan.found)


def _fan_out(
    led: tuple[Detector, ...],
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
    """One pattern trying every lead at each place a led detector may start, a group matching (empty)
    for each lead that holds; and how to put its groups back in the detectors' order (those run
    at one place run in that order). Leads that promise a long ``lead_run`` come last, all behind one
    lookahead for the shortest of their runs: where it fails (most numbers in prose), none of them
    is tried.

    Two compilations: for any text, and for ASCII texts (most), where ``\\d`` and ``\\w`` read alike
    with ``re.ASCII`` and without, and the cheaper tests halve the pattern's cost on a 2 KB prompt
    with figures in it (48 against 26 us, with each lead an alternative with an empty one rather
    than optional: ``(?:(?=lead)()|)`` instead of ``(?:(?=(lead)))?``; timed by hand)."""
    if not led:
        return None, None, lambda groups: groups
    short = [i for i, d in enumerate(led) if not d.lead_run]
    long = [i for i, d in enumerate(led) if d.lead_run]
    pattern = _LEAD_START + "".join(f"(?:(?={led[i].lead})()|)" for i in short)
    if long:
        guard = f"(?={_RUN}{{{min(led[i].lead_run for i in long)}}})"
        pattern += f"(?:{guard}" + "".join(f"(?:(?={led[i].lead})()|)" for i in long) + "|)"
    group_of = {detector: group for group, detector in enumerate(short + long)}
    order = [group_of[i] for i in range(len(led))]
    ascii_pattern = pattern.replace(_LEAD_START, _ASCII_LEAD_START, 1)
    compiled = re.compile(pattern), re.compile(ascii_pattern, re.ASCII)
    if order == sorted(order):
        return *compiled, lambda groups: groups
    return *compiled, itemgetter(*order)  # two groups at least: a tuple back


class _Kept:
    """The spans kept so far among ``candidates``: whether a span overlaps one of them, in
    logarithmic time. A Fenwick tree over the candidates' distinct starts holds, for each prefix of
    them, the furthest end of a kept span starting there: a span [start, end) overlaps a kept one
    exactly when some kept span starting before ``end`` ends after ``start``. When no two
    candidates overlap at all (most texts), nothing can be refused and nothing is kept track of."""

    __slots__ = ("starts", "tree")

    def __init__(self, candidates: list[Finding]) -> None:
        self.starts: list[int] = []
        self.tree: list[int] = []
        furthest = -1
        for finding in sorted(candidates, key=lambda f: (f.start, f.end)):
            if finding.start < furthest:  # overlaps an earlier one (see settle's test)
                self.starts = sorted({f.start for f in candidates})
                self.tree = [-1] * (len(self.starts) + 1)
                return
            furthest = max(furthest, finding.end)

    def overlaps(self, finding: Finding) -> bool:
        tree, start = self.tree, finding.start
        if not tree:
            return False
        index = bisect_left(self.starts, finding.end)
        while index:
            if tree[index] > start:
                return True
            index &= index - 1
        return False

    def keep(self, finding: Finding) -> None:
        tree, end = self.tree, finding.end
        if not tree:
            return
        index = bisect_left(self.starts, finding.start) + 1
        while index < len(tree):
            if tree[index] < end:
                tree[index] = end
            index += index & -index


def settle(findings: list[Finding]) -> list[Finding]:
    """Overlapping identifiers keep the highest-ranked (then longest) one; overlapping findings of
    one type keep the longest. Other types may overlap (a URL and the IP address inside it).

    Two findings overlap when each starts before the other ends. They are decided in the order
    (rank, length, position), each against those kept before it: ``_Kept`` answers that in
    logarithmic time, so a text with many findings costs n log n, not n squared."""
    if len(findings) < 2:
        return findings
    by_type: dict[str, list[Finding]] = {}
    for finding in findings:
        by_type.setdefault(finding.type, []).append(finding)
    ranked = _Kept([f for f in findings if f.rank])
    same = {kind: _Kept(group) for kind, group in by_type.items()}
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-f.rank, f.start - f.end, f.start)):
        if finding.rank:
            if ranked.overlaps(finding):
                continue
            ranked.keep(finding)
        of_type = same[finding.type]
        if not of_type.overlaps(finding):
            of_type.keep(finding)
            kept.append(finding)
    return kept
