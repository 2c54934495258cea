"""Whether a value is a documentation example or a placeholder: the sentence around it says so
("e.g. QQ 12 34 56 C"), or the whole text is a template to fill in (a .env.example)."""

from __future__ import annotations

import re

from gateway.guardrails.pii.detector import needles
from gateway.guardrails.pii.lookalike_words import EXAMPLE
from gateway.guardrails.pii.scan import Scan

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
        scan.example_words = _has_example_word(scan)
    if not scan.example_words:
        return False
    first, last = _sentence(scan.text, start, end)
    pattern = EXAMPLE.pattern
    return pattern.search(scan.text, first, start) is not None or pattern.search(scan.text, end, last) is not None


# The literal starts of context.EXAMPLE's words but "example" (counted apart from example.com and its kin),
# and "e.g." whole (its literal start, "e", stands in every text).
_EXAMPLE_NEEDLES = needles("e.g.", *(n for n in EXAMPLE.needles or () if n not in ("e", "example")))


_TEMPLATE = re.compile(
    r"\b(?:fill (?:in|them in|these in)|templates?|replace (?:these|them|the values|with your own)"
    r"|change[-_ ]?me|\.env\.(?:example|sample|template))\b"
)


_TEMPLATE_NEEDLES = needles("fill ", "template", "replace ", "change", ".env.")  # one of them stands in every match


def template_text(scan: Scan) -> bool:
    """Whether the text says its values are to be filled in (a .env template, a sample config): its
    documentation placeholders (example.com, AWS's EXAMPLE keys) are placeholders wherever they stand."""
    if scan.template is None:  # once per text: a megabyte of example.com addresses asks for each
        lowered = scan.lowered  # the pattern's literal words first: substring searches, not a regex pass
        scan.template = scan.has(*_TEMPLATE_NEEDLES) and _TEMPLATE.search(lowered) is not None
    return scan.template


def _has_example_word(scan: Scan) -> bool:
    """Whether the text may hold one of context.EXAMPLE's words."""
    if scan.has(*_EXAMPLE_NEEDLES):
        return True
    lowered = scan.lowered
    domains = lowered.count("example.com") + lowered.count("example.net") + lowered.count("example.org")
    return lowered.count("example") > domains
