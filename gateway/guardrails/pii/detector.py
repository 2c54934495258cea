"""The ``Detector`` record the scanner runs, and the helpers detectors are declared with: gates on
words (registered with the text-wide automaton at import) and matches found after keywords."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gateway.guardrails.pii.keywords import NEEDLES, Keywords
from gateway.guardrails.pii.scan import Finding, Scan

Judge = Callable[[re.Match[str], Scan], "Finding | None"]
Gate = Callable[[Scan], bool]
Matches = Callable[[Scan], Iterable[re.Match[str]]]


def needles(*words: str) -> tuple[str, ...]:
    """Words (lower case) that ``Scan.has`` will be asked about, joined to the text-wide automaton
    now, at import, so that no text pays for rebuilding it."""
    NEEDLES.add(words)
    return words


class WordGate:
    """A gate passing texts that hold one of ``words`` (lower case). They are in the automaton
    before any text is scanned, so one set test against the text's needles answers; the scanner
    makes that test itself, for all such gates at once, without calling each."""

    __slots__ = ("words",)

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words

    def __call__(self, scan: Scan) -> bool:
        return scan.holds_needle(self.words)


def has_any(*words: str) -> WordGate:
    """A gate: whether the text holds any of ``words`` (lower case)."""
    return WordGate(frozenset(needles(*words)))


def mentioning(keywords: Keywords) -> WordGate | None:
    """A gate: whether the text may hold one of ``keywords`` (``Scan.mentions``), as a gate on
    their needles; none when some keyword has no literal start."""
    return None if keywords.needles is None else WordGate(frozenset(keywords.needles))


def whole_text(matches: Matches) -> Matches:
    """Marks a ``matches`` each of whose matches is one ``pattern.match(text, position)`` or
    ``pattern.finditer(text)`` gives on the whole text (no end bound that could make ``$`` or
    ``\\b`` hold early): where the pattern cannot match the text, such a detector finds nothing, so
    the scanner may skip it when none of the literals its pattern requires stands in the text."""
    matches.whole_text = True  # type: ignore[attr-defined]
    return matches


def after_keywords(pattern: re.Pattern[str], near: Keywords, reach: int, longest: int) -> Matches:
    """A detector's ``matches`` for values its judge takes only after a keyword: ``pattern`` tried
    in the ``reach`` characters after each keyword (a value up to ``longest`` characters), not over
    the whole text."""

    def matches(scan: Scan) -> Iterable[re.Match[str]]:
        last, text = -1, scan.text
        for keyword_end in scan.keyword_ends(near):
            end = min(len(text), keyword_end + reach + longest)
            for match in pattern.finditer(text, keyword_end, end):
                if match.start() > last and match.start() <= keyword_end + reach:
                    last = match.start()
                    yield match

    return matches


def starting_with(pattern: re.Pattern[str], *words: str, word_start: bool = False) -> Matches:
    """A detector's ``matches`` for a pattern every match of which starts where one of ``words``
    (lower case) does, or, with ``word_start``, at the start of the word holding one ("WLAN-Passwort"
    from "wort"): ``pattern.finditer``'s matches, the pattern tried only there. A pattern that opens
    with a case-insensitive alternation of keywords is otherwise tried at every character of the
    text (0.1-0.5 ms for 2 KB once its gate passes)."""
    registered = needles(*words)

    def matches(scan: Scan) -> Iterable[re.Match[str]]:
        text, lowered = scan.text, scan.lowered
        if len(lowered) != len(text):  # lower-casing moved the offsets (rare letters): search it all
            yield from pattern.finditer(text)
            return
        starts: set[int] = set()
        for word in scan.held(registered):
            at = lowered.find(word)
            while at >= 0:
                starts.add(at)
                if word_start:
                    starts.add(_word_start(text, at))
                at = lowered.find(word, at + 1)
        last = 0
        for start in sorted(starts):
            if start >= last and (match := pattern.match(text, start)) is not None:
                last = max(match.end(), start + 1)
                yield match

    return whole_text(matches)


def _word_start(text: str, at: int) -> int:
    """Where the word holding ``text[at]`` starts (``\\w``: letters, digits and "_")."""
    while at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_"):
        at -= 1
    return at


@dataclass(frozen=True, slots=True)
class Detector:
    """A pattern proposing candidates and a judge deciding each (checksums, context). ``gate``, when
    set, must pass before the pattern runs at all; ``needs`` are types whose findings the judge reads,
    so their detectors run first, even when those types are not reported.

    ``lead`` is for patterns that start with a digit, "(" or "+": a cheap condition the text after
    that first character must meet where the pattern matches. The scanner checks the leads of all
    such detectors in one scan of the text (one lookahead each) and tries a pattern only where its
    lead holds, instead of scanning the text once per pattern.

    ``lead_run`` is a promise about the lead: where it holds, at least that many digits, spaces or
    ". ( ) - /" follow the first character. Most numbers in prose are short (a year, a price, a
    time); leads that need a long run are tried behind one check of it, not one by one.

    ``matches``, when set, yields what ``pattern.finditer`` would, found another way (in linear
    time, where the pattern's own search would not be)."""

    types: tuple[str, ...]
    pattern: re.Pattern[str]
    judge: Judge
    gate: Gate | None = None
    needs: tuple[str, ...] = ()
    lead: str | None = None
    matches: Matches | None = None
    lead_run: int = 0  # the lead holds only where this many digits, spaces or ". ( ) - /" follow its first one

    def run(self, scan: Scan) -> None:
        if self.gate is None or self.gate(scan):
            self.search(scan)

    def search(self, scan: Scan) -> None:
        """Run the pattern and its judge over the text, its gate passed."""
        judge = self.judge
        found = self.pattern.finditer(scan.text) if self.matches is None else self.matches(scan)
        for match in found:
            finding = judge(match, scan)
            if finding is not None:
                scan.add(finding)

    def run_at(self, scan: Scan, position: int) -> None:
        """Try the pattern at one position its lead allows."""
        if self.gate is not None and not self.gate(scan):
            return
        match = self.pattern.match(scan.text, position)
        if match is not None:
            finding = self.judge(match, scan)
            if finding is not None:
                scan.add(finding)
