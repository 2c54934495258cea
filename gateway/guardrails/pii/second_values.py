"""A second value of a kind named only by its place after the first: "Passport No: 674583063
(previous: 655035616)", "mi ITIN es 963-55-5708 y el de mi esposo 907 83 6462". The first is found
by its keyword; the second stands a few words on, joined by a bracket, a slash or a conjunction,
and is of the same kind unless a word between names another kind ("SSN 685-15-2671 and passport
447853766"). Also: a veto word before a value counts only in the value's own sentence."""

from __future__ import annotations

import re

from gateway.guardrails.pii import lookalike_words as lookalike
from gateway.guardrails.pii.scan import WIDTH, Scan

# A word naming another kind of number stops the run between the two values.
_OTHER_KIND = (
    r"(?i:passport|pasaporte|passeport|reisepass|phone|tel|mobile|account|acct|cuenta|routing|card|tarjeta"
    r"|licen[cs]e|ein|ban|policy|member|order)"
)
# "(previous: 655035616)", ", old one 53...", " and my wife's is ", ". And my daughter's is ", " y el de mi esposo "
_JOINED = re.compile(
    r"[ \t]*[(,;/][ \t]*(?:(?i:previous|prev\.?|old(?: one)?|former(?:ly)?|expired|new|or|alt\.?|alternate"
    r"|second|also|earlier|replaced|renewed)[ \t]*[:=-]?[ \t]*)?"
    r"|[ \t]*[.,;]?[ \t]*(?i:and|y|et|und|e|i|og|en|och|ja|oraz|as well as)\b"
    rf"(?:(?!{_OTHER_KIND})[^\d\n.!?;:]){{0,32}}?[ \t]*[:=-]?[ \t]*"
    # Québec's "(celui de ma blonde, pour l'assurance collective : 339056137)": the one of someone else
    rf"|[ \t]*[(,;]?[ \t]*(?i:celui|celle)\b(?:(?!{_OTHER_KIND})[^\d\n.!?;:]){{0,48}}?[ \t]*[:=-]?[ \t]*"
)
_SENTENCE_END = re.compile(r"[.!?][ \t]+(?=[A-Z])")


def second_of_its_kind(scan: Scan, start: int, kind: str) -> bool:
    """Whether a finding of ``kind`` ends a few words before ``start``, joined to it as above."""
    return scan.follows(start, (kind,), gap=64, between=_JOINED)


def called_other(scan: Scan, start: int) -> bool:
    """Whether a word before ``start``, in its own sentence, calls the value something else
    ("Medicare ID is 1EG4-TE5-MK73. Mine is 787-02-0588": the ID is the last sentence's)."""
    if not scan.before(start, lookalike.NOT_PERSONAL):
        return False
    ends = [m.end() for m in _SENTENCE_END.finditer(scan.text, max(0, start - WIDTH), start)]
    return not ends or scan.keyword_in(lookalike.NOT_PERSONAL, ends[-1], start) is not None
