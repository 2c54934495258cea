"""Custom regexes of the sensitive information policy (Bedrock's regexesConfig): each named pattern,
with its own action per side, reported in the ``regexes`` section as ``{name, match, regex}`` and
masked as ``{name}``, as Bedrock does.

``REPORTED`` turns a configured action (BLOCK, ANONYMIZE, NONE) into the reported one for both
parts of the policy. Patterns are Python regular expressions, compiled once per guardrail version (the definition has
already refused those that do not compile or that match empty text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.guardrails.assessment import REGEXES, Action, Detection
from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.policies.base import TextUnit, action_for
from gateway.guardrails.policies.literals import required_literal

REPORTED: dict[str, Action] = {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED", "NONE": "NONE"}


@dataclass(frozen=True, slots=True)
class NamedRegex:
    name: str
    pattern: re.Pattern[str]
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
                for match in regex.pattern.finditer(unit.text):
                    if match.end() > match.start():  # an empty match has nothing to report or mask
                        found.append(_detection(regex, match, index))
        return found


def _detection(regex: NamedRegex, match: re.Match[str], unit: int) -> Detection:
    entry = {"name": regex.name, "match": match.group(), "regex": regex.pattern.pattern}
    return Detection(REGEXES, entry, regex.action, (unit, match.start(), match.end()), "{" + regex.name + "}")


def check(config: SensitiveInformationPolicyConfig, side: Side) -> RegexCheck | None:
    """The regexes enabled on ``side``, or None when there are none."""
    chosen = []
    for regex in config.regexesConfig or ():
        if regex.inputEnabled if side is Side.INPUT else regex.outputEnabled:
            action = action_for(side.value, regex.action, regex.inputAction, regex.outputAction)
            pattern = re.compile(regex.pattern)
            chosen.append(NamedRegex(regex.name, pattern, REPORTED[action], required_literal(pattern)))
    return RegexCheck(tuple(chosen)) if chosen else None
