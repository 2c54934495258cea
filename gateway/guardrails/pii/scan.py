"""What every detector reads: a ``Finding``, and the ``Scan`` of one text (with the context rules).

Context is what makes weak formats precise: a nine-digit number is an SSN only near "SSN" or
"social security". A keyword counts when it stands in the clause before the value: within
``WIDTH`` characters and after the previous number, so in "SSN 536228841, account 12345678"
the second number is an account, not an SSN. A value that only continues a list ("routing and
account numbers: 021000021 and 12345678") inherits the context of the value before it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from gateway.guardrails.pii.columns import column_header
from gateway.guardrails.pii.keywords import NEEDLES, Keywords
from gateway.guardrails.pii.sql_columns import Statements

WIDTH = 60  # characters before a value where its keyword may stand
AFTER = 24  # characters after it ("4821 is my PIN")
# The last number before a value; digits glued to letters are part of a word ("CVC2", "v2"), not one.
_LAST_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+(?=\D*\Z)")
_NEXT_DIGIT = re.compile(r"\d")
# A transcript's time stamp and speaker right before a value: "[00:01:38] CALLER: ", "14:03:23 Customer: "
_ASIDE = re.compile(r"[ \t]*\([^()\n]{1,40}\)[ \t]*[:#-]?[ \t]*\Z")  # a bracketed aside right before a value
_SPEAKER_STAMP = re.compile(r"\[?\d{1,2}:\d\d(?::\d\d)?(?:\.\d+)?\]?[ \t]*(?:[^\W\d_][\w.-]{0,20}[ \t]?){1,2}:[ \t]*\Z")
_LIST_GLUE = re.compile(r"[\s,;/&]*(?:and|or|&|then)?[\s,;/&]*\Z", re.IGNORECASE)
_VALUE_START = re.compile(r"[^\s,;]+\Z")
# How far before a value ``before`` may read besides its four clauses: a speaker's stamp (40) or an
# aside (48), and three earlier values of a list (40 each)
_BEFORE_REACH = 168
_SEPARATORS = re.compile(r"[\s,;:/|()\-`'\"]*\Z")
# Between a value and a keyword naming it afterwards; and what says the keyword has its own value.
# what may stand between a value and the keyword after it (HL7 components too: "6657723199^^^NHS^NH")
_AFTER_GAP = re.compile(r"[\s(,:;\-^]*(?:(?:is|was|are|=|my|the|your|his|her|our|their|new|old|a|an|as)\s+)*", re.I)
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


def _shapes() -> bytes:
    table = bytearray(b"x" * 256)  # bytes of other characters' UTF-8 too
    for letter in range(26):
        table[ord("A") + letter], table[ord("a") + letter] = ord("A"), ord("a")
    for digit in b"0123456789":
        table[digit] = ord("0")
    for separator in b" .-":
        table[separator] = ord("s")
    return bytes(table)


_SHAPES = _shapes()
_CAPITALS_AND_DIGITS = bytes.maketrans(b"A0", b"XX")


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

    __slots__ = (
        "text", "lowered", "found", "_types", "_by_end", "example_words", "template", "_present", "_searched", "_held",
        "_same_length", "_shape", "_table_tops", "documented", "_spots", "_inserts",
    )  # fmt: skip

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()
        self.found: list[Finding] = []
        self._present: frozenset[str] | None = None  # the keyword needles the text holds (one pass, on first ask)
        self._searched: frozenset[str] = frozenset()  # the needles that pass looked for
        self._held: dict[int, tuple[str, ...]] = {}  # per keyword list: its needles the text holds
        self._spots: dict[int, list[int]] = {}  # per keyword list: where its needles start, in order
        self._same_length = len(self.lowered) == len(text)  # lower-casing kept every offset
        self._shape: bytes | None = None
        self._types: set[str] = set()
        self._by_end: dict[int, list[Finding]] = {}
        self._table_tops: dict[int, int] = {}  # an aligned table's line start -> its run's top line start
        self._inserts: Statements | None | bool = None  # the text's SQL INSERTs (False: it has none)
        self.example_words: bool | None = None  # whether an example word may stand anywhere (computed once)
        self.template: bool | None = None  # whether the text says its values are to be filled in (once)
        self.documented: bool | None = None  # whether the text says it is about tests or docs (once)

    def add(self, finding: Finding) -> None:
        text, start, end = self.text, finding.start, finding.end
        if end > start and (text[start].isspace() or text[end - 1].isspace()):  # no span starts or ends blank
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start == end:
                return
            finding.start, finding.end = start, end
        self.found.append(finding)
        self._types.add(finding.type)
        self._by_end.setdefault(finding.end, []).append(finding)

    def shape(self, run: bytes = b"") -> bool:
        """Whether the text's shape holds ``run``: its ASCII upper-case letters written "A",
        lower-case "a", digits "0", space, "." and "-" as "s", anything else "x" (computed once, one
        ``bytes.translate``). A detector whose pattern cannot match without such a run (a SWIFT code's
        six capitals: b"AAAAAA") asks this before its pattern reads the whole text."""
        shape = self._shape
        if shape is None:
            shape = self._shape = self.text.encode("utf-8", "surrogatepass").translate(_SHAPES)
        return run in shape

    def shape_matches(self, runs: re.Pattern[bytes]) -> bool:
        """Whether the text's shape (see ``shape``) holds a match of ``runs``: a gate for a pattern
        whose candidates start at a character class (a capital), which Python's regular expressions
        look for one character at a time, while a pattern over the shape starts at a literal ("A")
        that they skip to in C: a tenth of the time over 2 KB."""
        self.shape()
        assert self._shape is not None
        return runs.search(self._shape) is not None

    def capitals_and_digits(self, length: int) -> bool:
        """Whether ``length`` ASCII capitals and digits stand in a row (a VIN's 17)."""
        self.shape()
        assert self._shape is not None
        return b"X" * length in self._shape.translate(_CAPITALS_AND_DIGITS)

    def holds(self, kind: str) -> bool:
        """Whether a finding of ``kind`` has been made in this text."""
        return kind in self._types

    def has(self, *needles: str) -> bool:
        """Whether any of ``needles`` (lower case) occurs in the text: a gate before a regex runs."""
        return bool(self.held(needles))

    def holds_needle(self, needles: frozenset[str]) -> bool:
        """Whether the text holds one of ``needles``, all registered before the automaton was built
        (a detector's gate words): no check of which were searched for."""
        return not self.needles().isdisjoint(needles)

    def held(self, needles: tuple[str, ...]) -> tuple[str, ...]:
        """Those of ``needles`` (lower case) the text holds. They join the text-wide automaton the
        first time they are asked about, so that later texts answer from its one pass instead of a
        substring search of the text each."""
        present = self.needles()
        if self._searched.issuperset(needles):
            return tuple(needle for needle in needles if needle in present)
        NEEDLES.add(needles)
        return tuple(needle for needle in needles if needle in self.lowered)

    def needles(self) -> frozenset[str]:
        """The needles the text holds (one pass of the automaton, on first ask)."""
        if self._present is None:
            self._present, self._searched = NEEDLES.present(self.lowered)
        return self._present

    def keyword_ends(self, keywords: Keywords) -> list[int]:
        """Where each of ``keywords`` in the text ends: the pattern tried where a needle stands."""
        text = self.text
        if keywords.needles is None or not self._same_length:  # lower-casing moved offsets: search it all
            return [m.end() for m in keywords.pattern.finditer(text)]
        lowered, ends = self.lowered, set()
        for needle in self._held_by(keywords):
            at = lowered.find(needle)
            while at >= 0:
                if (found := keywords.pattern.match(text, at)) is not None:
                    ends.add(found.end())
                at = lowered.find(needle, at + 1)
        return sorted(ends)

    def mentions(self, keywords: Keywords) -> bool:
        """Whether the text could hold one of ``keywords`` at all (its literal parts occur): most
        texts hold none, and then no window needs searching."""
        if keywords.needles is None:
            return True
        return not self.needles().isdisjoint(keywords.needle_set)

    def keyword_in(self, keywords: Keywords, start: int, end: int) -> re.Match[str] | None:
        """The first of ``keywords`` inside ``text[start:end]``, as ``pattern.search`` would find it:
        the pattern tried only where one of their needles stands (every match starts with one),
        instead of its alternation at every character of the window."""
        if keywords.needles is None or not self._same_length:
            return keywords.pattern.search(self.text, start, end)
        text, lowered, pattern = self.text, self.lowered, keywords.pattern
        first: re.Match[str] | None = None
        for needle in self._held_by(keywords):
            at = lowered.find(needle, start, end)
            while at >= 0 and (first is None or at < first.start()):
                if (match := pattern.match(text, at, end)) is not None:
                    first = match
                    break
                at = lowered.find(needle, at + 1, end)
        return first

    def _held_by(self, keywords: Keywords) -> tuple[str, ...]:
        """The needles of ``keywords`` the text holds (``keywords.needles`` is set; computed once)."""
        held = self._held.get(id(keywords))
        if held is None:
            assert keywords.needles is not None
            present = self.needles()
            held = () if present.isdisjoint(keywords.needle_set) else tuple(n for n in keywords.needles if n in present)
            self._held[id(keywords)] = held
        return held

    def may_hold(self, keywords: Keywords, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` may hold one of ``keywords`` (after ``mentions``): one of their
        needles the text holds stands in it. A few substring searches of a short window, instead of
        the keywords' pattern, whose alternation is tried at every character of it."""
        if keywords.needles is None or not self._same_length:
            return True
        window = self.lowered[start:end]
        return any(needle in window for needle in self._held_by(keywords))

    def _may_start(self, keywords: Keywords, low: int, high: int) -> bool:
        """Whether one of ``keywords`` may start in ``text[low:high]``: one of their needles starts
        there (a bisection of where they stand, found once per text). Most of a text's numbers
        stand far from any keyword, and then no clause needs reading."""
        if keywords.needles is None or not self._same_length:
            return True
        spots = self._spots.get(id(keywords))
        if spots is None:
            lowered, spots = self.lowered, []
            for needle in self._held_by(keywords):
                at = lowered.find(needle)
                while at >= 0:
                    spots.append(at)
                    at = lowered.find(needle, at + 1)
            spots = self._spots[id(keywords)] = sorted(spots)
        index = bisect_left(spots, low)
        return index < len(spots) and spots[index] < high

    def before(self, start: int, keywords: Keywords, width: int = WIDTH) -> bool:
        """Whether a keyword stands in the clause before ``start`` (see the module docstring)."""
        if not self.mentions(keywords) or not self._may_start(keywords, start - _BEFORE_REACH - 4 * width, start):
            return False
        end = start
        if self.text[max(0, start - 3) : start].rstrip(" \t").endswith(":") and (
            stamp := _SPEAKER_STAMP.search(self.text, max(0, start - 40), start)
        ):
            end = stamp.start()  # "[00:01:38] CALLER: 261": the question is the turn before
        elif self.text.rfind(")", max(0, start - 6), start) >= 0 and (
            aside := _ASIDE.search(self.text, max(0, start - 48), start)
        ):
            if self.keyword_in(keywords, aside.start(), start) is not None:
                return True  # "رمز التحقق (CVV): 305": the keyword is the aside
            end = aside.start()  # "US passport (naturalized 2019): A03817264": the aside's year is no value
        for _ in range(4):  # a list of values: look past at most three earlier ones
            low = max(0, end - width)
            digit = _LAST_NUMBER.search(self.text, low, end)
            clause_start = digit.end() if digit else low
            if self.keyword_in(keywords, clause_start, end) is not None:
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
        if not self.mentions(keywords) or not self._may_start(keywords, end, end + width):
            return False
        stop = min(len(self.text), end + width)
        digit = _NEXT_DIGIT.search(self.text, end, stop)
        keyword = self.keyword_in(keywords, end, digit.start() if digit else stop)
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
        """The header cell of the table column holding ``start``, when the value is a table's cell
        (columns.py), or the column an SQL INSERT's list names for it (sql_columns.py)."""
        header = column_header(self.text, start, self._table_tops)
        if header is None and self._inserts is not False:
            if self._inserts is None:
                has = "insert" in self.lowered and "values" in self.lowered
                self._inserts = Statements(self.text) if has else False
            if isinstance(self._inserts, Statements):
                header = self._inserts.column(start)
        return header

    def led_by(self, start: int, keywords: Keywords, width: int = 32) -> bool:
        """Whether the value comes right after a keyword, only fillers between ("PIN is 4821")."""
        if not self.mentions(keywords):
            return False
        low = max(0, start - width)
        if not self.may_hold(keywords, low, start):
            return False  # no keyword can start here: skip the pattern (most numbers of a text)
        keyword_ends = [m.end() for m in keywords.pattern.finditer(self.text, low, start)]
        return bool(keyword_ends) and _FILLER.fullmatch(self.text, keyword_ends[-1], start) is not None

    def follows(self, start: int, types: Iterable[str], gap: int = 6, between: re.Pattern[str] | None = None) -> bool:
        """Whether a finding of ``types`` ends just before ``start``, only separators (or what
        ``between`` allows) between."""
        wanted = set(types)
        if not wanted & self._types:
            return False
        allowed = between or _SEPARATORS
        for end in range(max(0, start - gap), start + 1):  # the findings that end in the gap, by index
            for finding in self._by_end.get(end, ()):
                if finding.type in wanted and allowed.fullmatch(self.text, end, start):
                    return True
        return False


_NOT_DIGIT = re.compile(r"\D")


def digits_of(value: str) -> str:
    return _NOT_DIGIT.sub("", value)
