"""Custom regexes of the sensitive information policy (Bedrock's regexesConfig): each named pattern,
with its own action per side, reported in the ``regexes`` section as ``{name, match, regex}`` and
masked as ``{name}``, as Bedrock does.

Patterns run on the ``regex`` module, which can stop a search: Python's ``re`` cannot, and one
catastrophic pattern (``(a|aa)+$``) would hang the event loop on a 40-character prompt. A search
that runs out of time fails closed: the whole text unit counts as matched (blocked, or masked
whole), and a warning names the regex.

``REPORTED`` turns a configured action (BLOCK, ANONYMIZE, NONE) into the reported one for both
parts of the policy. Patterns are Python regular expressions, compiled once per guardrail version (the definition has
already refused those that do not compile or that match empty text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import regex as regex_module

from gateway.guardrails.assessment import REGEXES, Action, Detection
from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.policies.base import TextUnit, action_for
from gateway.guardrails.policies.literals import required_literal
from gateway.logs import LOG

REPORTED: dict[str, Action] = {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED", "NONE": "NONE"}
TIME_LIMIT_S = 0.1  # per pattern and text unit, plus TIME_PER_CHAR_S for each character of the unit
TIME_PER_CHAR_S = 1e-6  # a sane pattern scans a megabyte in well under a second


@dataclass(frozen=True, slots=True)
class NamedRegex:
    name: str
    pattern: regex_module.Pattern[str]
    action: Action
    literal: str | None = None  # in every match: a text without it is not searched (literals.py)


@dataclass(frozen=True, slots=True)
class RegexCheck:
    """Every custom regex enabled on one side."""

    regexes: tuple[NamedRegex, ...]
    policy: str = "sensitiveInformationPolicy"
    waits: bool = False  # pure pattern work: the engine runs it inline, no task

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        found: list[Detection] = []
        for index, unit in enumerate(units):
            for regex in self.regexes:
                if regex.literal is not None and regex.literal not in unit.text:
                    continue
                found += _search(regex, unit.text, index)
        return found


def _search(regex: NamedRegex, text: str, unit: int) -> list[Detection]:
    limit = TIME_LIMIT_S + len(text) * TIME_PER_CHAR_S
    try:  # the time limit covers the whole search, every match included
        found = regex.pattern.finditer(text, timeout=limit)
        spans = [(m.start(), m.end()) for m in found if m.end() > m.start()]  # an empty match masks nothing
    except TimeoutError:
        LOG.warning(
            "a guardrail regex ran out of time; the text counts as matched",
            extra={"fields": {"regex": regex.name, "chars": len(text), "limit_s": round(limit, 3)}},
        )
        spans = [(0, len(text))]
    return [_detection(regex, text, start, end, unit) for start, end in spans]


def _detection(regex: NamedRegex, text: str, start: int, end: int, unit: int) -> Detection:
    entry = {"name": regex.name, "match": text[start:end], "regex": regex.pattern.pattern}
    return Detection(REGEXES, entry, regex.action, (unit, start, end), "{" + regex.name + "}")


def check(config: SensitiveInformationPolicyConfig, side: Side) -> RegexCheck | None:
    """The regexes enabled on ``side``, or None when there are none."""
    chosen = []
    for regex in config.regexesConfig or ():
        if regex.inputEnabled if side is Side.INPUT else regex.outputEnabled:
            action = action_for(side.value, regex.action, regex.inputAction, regex.outputAction)
            literal = _literal(regex.pattern)
            chosen.append(NamedRegex(regex.name, regex_module.compile(regex.pattern), REPORTED[action], literal))
    return RegexCheck(tuple(chosen)) if chosen else None


def _literal(pattern: str) -> str | None:
    """The text every match holds, found by re's parser (regex runs the pattern); None for a
    pattern only the regex module reads (``\\p{Lu}``): such a pattern searches every text."""
    try:
        return required_literal(re.compile(pattern))
    except re.error:
        return None
