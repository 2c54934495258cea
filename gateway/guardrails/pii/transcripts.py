"""A call's or chat's answer to the question on the line before: "Agent: And a contact phone?" then
"Customer: 655 21 87 43." The keyword stands in the question, the value opens the next turn, after
its speaker, a time stamp and a few words ("Claro, es estadounidense: 593671048"), so no clause
holds both and ``Scan.near`` cannot see them together."""

from __future__ import annotations

import re

from gateway.guardrails.pii import lines
from gateway.guardrails.pii.keywords import Keywords
from gateway.guardrails.pii.scan import Scan

_TIME_STAMP = re.compile(r"[ \t]*\[[^\]\n]{1,24}\][ \t]*")
_REACH = 60  # the few words between the turn's start and the value
# a request that is no question: "Die dreistellige Prüfnummer auf der Rückseite bitte."
_REQUEST_END = re.compile(
    r"(?i)\b(?:please|bitte|por favor|s'il vous plaît|per favore|alstublieft|proszę)[.!]?[ \t]*\Z"
)


def answers(scan: Scan, start: int, keywords: Keywords) -> bool:
    """Whether the value at ``start`` opens the answer to a question (a line ending in "?", or the
    turn before it) that names one of ``keywords``."""
    text = scan.text
    line_start = lines.line_start(text, start)
    if line_start == 0 or not scan.mentions(keywords):
        return False
    stamp = _TIME_STAMP.match(text, line_start)
    opening_start = stamp.end() if stamp else line_start
    if start - opening_start > _REACH or any(c.isdigit() for c in text[opening_start:start]):
        return False
    question_start = lines.line_start(text, line_start - 1)
    question = text[question_start : line_start - 1]
    if "?" not in question and "？" not in question and _REQUEST_END.search(question) is None:
        return False
    return scan.keyword_in(keywords, question_start, line_start) is not None
