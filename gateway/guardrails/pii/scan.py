"""The pieces every detector shares: a ``Finding``, the ``Scan`` of one text (with the context
rules), and the ``Detector`` record the scanner runs.

Context is what makes weak formats precise: a nine-digit number is an SSN only near "SSN" or
"social security". A keyword counts when it stands in the clause before the value: within
``WIDTH`` characters and after the previous number, so in "SSN 536228841, account 12345678"
the second number is an account, not an SSN. A value that only continues a list ("routing and
account numbers: 021000021 and 12345678") inherits the context of the value before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from gateway.guardrails.pii.context import EXAMPLE
from gateway.guardrails.pii.keywords import NEEDLES, Keywords

WIDTH = 60  # characters before a value where its keyword may stand
AFTER = 24  # characters after it ("4821 is my PIN")
_TABLE_ROWS = 200  # rows of a table looked past for its header
# The last number before a value; digits glued to letters are part of a word ("CVC2", "v2"), not one.
_LAST_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+(?=\D*\Z)")
_NEXT_DIGIT = re.compile(r"\d")
_LIST_GLUE = re.compile(r"[\s,;/&]*(?:and|or|&|then)?[\s,;/&]*\Z", re.IGNORECASE)
_VALUE_START = re.compile(r"[^\s,;]+\Z")
_SEPARATORS = re.compile(r"[\s,;:/|()\-`'\"]*\Z")
# Between a value and a keyword naming it afterwards; and what says the keyword has its own value.
_AFTER_GAP = re.compile(r"[\s(,:;\-]*(?:(?:is|was|are|=|my|the|your|his|her|our|their|new|old|a|an|as)\s+)*", re.I)
_VALUE_NEXT = re.compile(r"[\s:#]*(?:number|num|no\.?)?[\s:#]*[A-Za-z]{0,3}\d", re.IGNORECASE)
# What may stand between a keyword and its value for ``led_by``: "PIN: 4821", "pin code is 4821".
_FILLER = re.compile(
    r"[\s:=#.\-]*(?:(?:is|was|are|will be|would be|number|num|no|code|set to|changed to|reset to|of)[\s:=#.\-]*)*",
    re.IGNORECASE,
)

# Overlapping identifiers: the higher rank keeps the span. Types not listed never compete.
RANKS = {
    "AWS_ACCESS_KEY": 96,
    "AWS_SECRET_KEY": 95,
    # an IBAN's check digits cover more than a card's Luhn digit: 16 of its digits passing Luhn is chance
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": 91,
    "CREDIT_DEBIT_CARD_NUMBER": 90,
    "VEHICLE_IDENTIFICATION_NUMBER": 85,
    "US_BANK_ROUTING_NUMBER": 80,
    "UK_NATIONAL_HEALTH_SERVICE_NUMBER": 78,
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER": 77,
    "CA_SOCIAL_INSURANCE_NUMBER": 76,
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": 75,
    "US_SOCIAL_SECURITY_NUMBER": 74,
    "UK_NATIONAL_INSURANCE_NUMBER": 72,
    "CA_HEALTH_NUMBER": 70,
    "US_PASSPORT_NUMBER": 68,
    "DRIVER_ID": 60,
    "LICENSE_PLATE": 58,
    "PHONE": 50,
    "US_BANK_ACCOUNT_NUMBER": 40,
    "PIN": 30,
    "CREDIT_DEBIT_CARD_EXPIRY": 25,
    "CREDIT_DEBIT_CARD_CVV": 20,
    "PASSWORD": 10,  # "password: 4111 1111 1111 1111" is a card number
}


@dataclass(slots=True)
class Finding:
    """A typed span of the text. ``rank`` orders overlapping identifiers: the higher keeps the
    span (a card number beats the account number its digits also look like); 0 never competes."""

    type: str
    start: int
    end: int
    rank: int = 0


def found(kind: str, start: int, end: int) -> Finding:
    return Finding(kind, start, end, RANKS.get(kind, 0))


class Scan:
    """One text being scanned: the text, its lower-case form (for cheap gates) and what the
    detectors have found so far (later detectors read it: a CVV right after a card number).
    Findings go in through ``add``, which also indexes them by type and by end, so that what a
    judge asks of them ("a card number ends just before here?") costs the same however many
    findings the text holds."""

    __slots__ = ("text", "lowered", "found", "_types", "_by_end", "example_words", "template", "_present")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        self.found: list[Finding] = []
        self._present: frozenset[str] | None = None  # the keyword needles the text holds (one pass, on first ask)
        self._types: set[str] = set()
        self._by_end: dict[int, list[Finding]] = {}
        self.example_words: bool | None = None  # whether an example word may stand anywhere (computed once)
        self.template: bool | None = None  # whether the text says its values are to be filled in (once)

    def add(self, finding: Finding) -> None:
        self.found.append(finding)
        self._types.add(finding.type)
        self._by_end.setdefault(finding.end, []).append(finding)

    def holds(self, kind: str) -> bool:
        """Whether a finding of ``kind`` has been made in this text."""
        return kind in self._types

    def has(self, *needles: str) -> bool:
        """Whether any of ``needles`` (lower case) occurs in the text: a gate before a regex runs."""
        return any(needle in self.lowered for needle in needles)

    def mentions(self, keywords: Keywords) -> bool:
        """Whether the text could hold one of ``keywords`` at all (its literal parts occur): most
        texts hold none, and then no window needs searching."""
        if keywords.needles is None:
            return True
        if self._present is None:
            self._present = NEEDLES.present(self.lowered)
        return not self._present.isdisjoint(keywords.needles)

    def before(self, start: int, keywords: Keywords, width: int = WIDTH) -> bool:
        """Whether a keyword stands in the clause before ``start`` (see the module docstring)."""
        if not self.mentions(keywords):
            return False
        pattern = keywords.pattern
        end = start
        for _ in range(4):  # a list of values: look past at most three earlier ones
            low = max(0, end - width)
            digit = _LAST_NUMBER.search(self.text, low, end)
            clause_start = digit.end() if digit else low
            if pattern.search(self.text, clause_start, end):
                return True
            if digit is None or not _LIST_GLUE.fullmatch(self.text, clause_start, end):
                return False
            previous = _VALUE_START.search(self.text, max(0, clause_start - 40), clause_start)
            if previous is None:
                return False
            end = previous.start()
        return False

    def after(self, end: int, keywords: Keywords, width: int = AFTER) -> bool:
        """Whether a keyword names the value from just after it ("4821 is my PIN", "536-22-8841
        (SSN)"), and does not instead introduce the next value (", passport A12345678")."""
        if not self.mentions(keywords):
            return False
        stop = min(len(self.text), end + width)
        digit = _NEXT_DIGIT.search(self.text, end, stop)
        keyword = keywords.pattern.search(self.text, end, digit.start() if digit else stop)
        if keyword is None or not _AFTER_GAP.fullmatch(self.text, end, keyword.start()):
            return False
        return _VALUE_NEXT.match(self.text, keyword.end()) is None

    def near(self, start: int, end: int, keywords: Keywords) -> bool:
        return self.before(start, keywords) or self.after(end, keywords) or self.column_named(start, keywords)

    def column_named(self, start: int, keywords: Keywords) -> bool:
        """Whether the value is a cell of a table (lines of comma-, tab-, pipe- or semicolon-separated
        cells, as CSV, TSV and markdown are pasted) whose header cell is a keyword: in a payroll
        export, "routing" may stand rows above its numbers."""
        if not self.mentions(keywords):
            return False
        header = self.column_header(start)
        return header is not None and keywords.pattern.search(header) is not None

    def column_header(self, start: int) -> str | None:
        """The header cell of the table column holding ``start``, when the value is a table's cell:
        the top line of the run of lines above with as many cells as its own."""
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        if line_start == 0:
            return None
        line_end = text.find("\n", start)
        line = text[line_start : len(text) if line_end < 0 else line_end]
        delimiter = next((d for d in ",\t|;" if d in line), None)
        if delimiter is None:
            return None
        cells = _delimiters(line, delimiter)
        header = None
        above_end = line_start - 1  # the newline ending the line above
        for _ in range(_TABLE_ROWS):
            above_start = text.rfind("\n", 0, above_end) + 1
            if _delimiters(text[above_start:above_end], delimiter) != cells:
                break
            header = (above_start, above_end)
            if above_start == 0:
                break
            above_end = above_start - 1
        if header is None:
            return None
        names = text[header[0] : header[1]].split(delimiter)
        index = _delimiters(text[line_start:start], delimiter)
        return names[index] if index < len(names) else None

    def led_by(self, start: int, keywords: Keywords, width: int = 32) -> bool:
        """Whether the value comes right after a keyword, only fillers between ("PIN is 4821")."""
        if not self.mentions(keywords):
            return False
        low = max(0, start - width)
        if keywords.needles is not None and len(self.lowered) == len(self.text):
            window = self.lowered[low:start]
            if not any(needle in window for needle in keywords.needles):
                return False  # no keyword can start here: skip the pattern (most numbers of a text)
        keyword_ends = [m.end() for m in keywords.pattern.finditer(self.text, low, start)]
        return bool(keyword_ends) and _FILLER.fullmatch(self.text, keyword_ends[-1], start) is not None

    def follows(self, start: int, types: Iterable[str], gap: int = 6) -> bool:
        """Whether a finding of ``types`` ends just before ``start``, only separators between."""
        wanted = set(types)
        if not wanted & self._types:
            return False
        for end in range(max(0, start - gap), start + 1):  # the findings that end in the gap, by index
            for finding in self._by_end.get(end, ()):
                if finding.type in wanted and _SEPARATORS.fullmatch(self.text, end, start):
                    return True
        return False


def _delimiters(line: str, delimiter: str) -> int:
    """How many cells ``line`` starts after its first: delimiters outside double quotes (a CSV
    cell "Lee, Hannah" is one cell)."""
    if '"' not in line:
        return line.count(delimiter)
    return sum(part.count(delimiter) for part in line.split('"')[::2])


Judge = Callable[[re.Match[str], Scan], "Finding | None"]
Gate = Callable[[Scan], bool]


@dataclass(frozen=True, slots=True)
class Detector:
    """A pattern proposing candidates and a judge deciding each (checksums, context). ``gate``, when
    set, must pass before the pattern runs at all; ``needs`` are types whose findings the judge reads,
    so their detectors run first, even when those types are not reported.

    ``lead`` is for patterns that start with a digit, "(" or "+": a cheap condition the text after
    that first character must meet where the pattern matches. The scanner checks the leads of all
    such detectors in one scan of the text (one lookahead each) and tries a pattern only where its
    lead holds, instead of scanning the text once per pattern.

    ``matches``, when set, yields what ``pattern.finditer`` would, found another way (in linear
    time, where the pattern's own search would not be)."""

    types: tuple[str, ...]
    pattern: re.Pattern[str]
    judge: Judge
    gate: Gate | None = None
    needs: tuple[str, ...] = ()
    lead: str | None = None
    matches: Callable[[str], Iterable[re.Match[str]]] | None = None

    def run(self, scan: Scan) -> None:
        if self.gate is not None and not self.gate(scan):
            return
        judge = self.judge
        found = self.pattern.finditer(scan.text) if self.matches is None else self.matches(scan.text)
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


_BREAKS = (". ", "! ", "? ", ".\t", "\n")
_NOT_A_BREAK = ("e.g. ", "i.e. ")
_SENTENCE_REACH = 200  # characters looked at on each side of a value for its sentence's ends


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]`` (at most ``_SENTENCE_REACH`` characters each side)."""
    low, high = max(0, start - _SENTENCE_REACH), min(len(text), end + _SENTENCE_REACH)
    first, last = low, high
    for mark in _BREAKS:
        at = text.rfind(mark, low, start)
        while at >= 0 and text.startswith(_NOT_A_BREAK, max(0, at - 3)):
            at = text.rfind(mark, low, at)
        if at >= 0:
            first = max(first, at + len(mark))
        after = text.find(mark.rstrip() or mark, end, high)
        if after >= 0:
            last = min(last, after)
    return first, last


def example_sentence(scan: Scan, start: int, end: int) -> bool:
    """Whether the sentence holding ``text[start:end]`` calls it an example or a placeholder
    ("e.g. QQ 12 34 56 C", "Example from the AWS docs: AKIA...EXAMPLE"); the value itself is left
    out ("jane@example.com" is no example by its name)."""
    if scan.example_words is None:  # once per text, whatever the number of values asking
        scan.example_words = _has_example_word(scan.lowered)
    if not scan.example_words:
        return False
    first, last = _sentence(scan.text, start, end)
    pattern = EXAMPLE.pattern
    return pattern.search(scan.text, first, start) is not None or pattern.search(scan.text, end, last) is not None


# The literal starts of context.EXAMPLE's words but "example" (counted apart from example.com and its kin).
_EXAMPLE_NEEDLES = (
    "placeholder", "e.g.", "sample", "dummy", "fake", "format", "specimen", "beispiel", "platzhalter", "ejemplo",
    "exemple", "esempio", "voorbeeld",
)  # fmt: skip


_TEMPLATE = re.compile(
    r"\b(?:fill (?:in|them in|these in)|templates?|replace (?:these|them|the values|with your own)"
    r"|change[-_ ]?me|\.env\.(?:example|sample|template))\b"
)


def template_text(scan: Scan) -> bool:
    """Whether the text says its values are to be filled in (a .env template, a sample config): its
    documentation placeholders (example.com, AWS's EXAMPLE keys) are placeholders wherever they stand."""
    if scan.template is None:  # once per text: a megabyte of example.com addresses asks for each
        scan.template = _TEMPLATE.search(scan.lowered) is not None
    return scan.template


def _has_example_word(lowered: str) -> bool:
    """Whether ``lowered`` may hold one of context.EXAMPLE's words (substring searches)."""
    if any(needle in lowered for needle in _EXAMPLE_NEEDLES):
        return True
    domains = lowered.count("example.com") + lowered.count("example.net") + lowered.count("example.org")
    return lowered.count("example") > domains


def digits_of(value: str) -> str:
    return re.sub(r"\D", "", value)
