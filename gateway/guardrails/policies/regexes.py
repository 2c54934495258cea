"""Custom regexes of the sensitive information policy (Bedrock's regexesConfig): each named pattern,
with its own action per side, reported in the ``regexes`` section as ``{name, match, regex}`` and
masked as ``{name}``, as Bedrock does.

Patterns run on the ``regex`` module, which can stop a search: Python's ``re`` cannot, and one
catastrophic pattern (``(a|aa)+$``) would hang the event loop on a 40-character prompt. Each
regex has one time budget per call, whatever the number of texts (TIME_LIMIT_S, plus
TIME_PER_CHAR_S per character it searches): forty texts once had forty budgets. The searches run
inline while they take under INLINE_S in all; past that, what is left runs in a thread, with the
GIL let go while the pattern matches, so a slow regex holds up its own call and no other request.
A regex that runs out of its budget fails closed: the text it was searching, and those it had not
searched yet, count as matched whole (blocked, or masked whole), and a warning names the regex.

``REPORTED`` turns a configured action (BLOCK, ANONYMIZE, NONE) into the reported one for both
parts of the policy. Patterns are Python regular expressions, compiled once per guardrail version (the definition has
already refused those that do not compile or that match empty text).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import regex as regex_module

from gateway.guardrails.assessment import REGEXES, Action, Detection
from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.policies.base import TextUnit, action_for
from gateway.guardrails.policies.literals import required_literal
from gateway.logs import LOG

REPORTED: dict[str, Action] = {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED", "NONE": "NONE"}
TIME_LIMIT_S = 0.1  # per pattern and call (all its texts), plus TIME_PER_CHAR_S for each character searched
TIME_PER_CHAR_S = 1e-6  # a sane pattern scans a megabyte in well under a second
INLINE_S = 0.002  # how long a call's searches may hold the event loop before the rest move to a thread


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
    waits: bool = False  # pattern work, run inline by the engine: it moves to a thread only once slow

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        searches = Searches(self.regexes, [unit.text for unit in units])
        if not _on_event_loop():  # already in a thread (the engine's, for a large call): take the time here
            searches.run(None)
        elif not searches.run(INLINE_S):
            await asyncio.to_thread(searches.run, None)
        return searches.detections()


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class Searches:
    """One call's searches: each regex over each text holding its literal, in the caller's order,
    each regex with one time budget for them all."""

    def __init__(self, regexes: Sequence[NamedRegex], texts: Sequence[str]) -> None:
        self.regexes, self.texts = regexes, texts
        self.todo = [
            (unit, index)
            for unit, text in enumerate(texts)
            for index, regex in enumerate(regexes)
            if regex.literal is None or regex.literal in text
        ]
        searched = [0] * len(regexes)
        for unit, index in self.todo:
            searched[index] += len(texts[unit])
        self.budget = [TIME_LIMIT_S + chars * TIME_PER_CHAR_S for chars in searched]
        self.limits = list(self.budget)
        self.spans: list[list[tuple[int, int]]] = []
        self.timed_out: dict[int, int] = {}  # regex -> texts counted as matched

    def run(self, inline: float | None) -> bool:
        """Search what is left: all of it (``inline`` None, off the event loop: the GIL is let go
        while a pattern matches), or for ``inline`` seconds at most; False when the time ran out
        first (the search it stopped is left to do)."""
        started = time.perf_counter()
        while len(self.spans) < len(self.todo):
            unit, index = self.todo[len(self.spans)]
            regex, text, left = self.regexes[index], self.texts[unit], self.budget[index]
            limit = left if inline is None else min(left, inline - (time.perf_counter() - started))
            if limit <= 0 and left > 0:
                return False
            began = time.perf_counter()
            try:
                if left <= 0:
                    raise TimeoutError
                found = regex.pattern.finditer(text, timeout=limit, concurrent=inline is None)
                spans = [(m.start(), m.end()) for m in found if m.end() > m.start()]  # an empty match masks nothing
            except TimeoutError:
                self.budget[index] -= time.perf_counter() - began
                if 0 < left and limit < left:
                    return False  # the event loop's share ran out, not the regex's budget
                self.budget[index] = 0.0
                self._ran_out(index)
                spans = [(0, len(text))]
            else:
                self.budget[index] -= time.perf_counter() - began
            self.spans.append(spans)
        return True

    def _ran_out(self, index: int) -> None:
        if index not in self.timed_out:
            regex = self.regexes[index]
            LOG.warning(
                "a guardrail regex ran out of time; the texts it had not searched count as matched",
                extra={"fields": {"regex": regex.name, "limit_s": round(self.limits[index], 3)}},
            )
        self.timed_out[index] = self.timed_out.get(index, 0) + 1

    def detections(self) -> list[Detection]:
        return [
            _detection(self.regexes[index], self.texts[unit], start, end, unit)
            for (unit, index), spans in zip(self.todo, self.spans, strict=True)
            for start, end in spans
        ]


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
    pattern only the regex module reads (``\\p{Lu}``), or one re would read otherwise (see
    ``_read_alike``): such a pattern searches every text."""
    if not _read_alike(pattern):
        return None
    try:
        return required_literal(re.compile(pattern))
    except (re.error, Warning):
        return None


_QUANTIFIER = re.compile(r"\{(?:\d+(?:,\d*)?|,\d+)\}")


def _read_alike(pattern: str) -> bool:
    """Whether nothing in ``pattern`` is syntax that the regex module reads and that re takes for
    literal text instead of refusing it: a brace that opens no repetition (``{e<=1}``, a fuzzy
    match), a POSIX class (``[[:digit:]]``), a set inside a set (version 1's ``[[a-z]--[aeiou]]``).
    Conservative: a pattern holding such a thing gets no prefilter, even where it would be right."""
    at, in_set = 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            at += 2
            continue
        if in_set:
            if char == "[":
                return False
            in_set = char != "]"
        elif char == "[":
            in_set = True
            at += 1
            at += pattern.startswith("^", at)
            at += pattern.startswith("]", at)  # a "]" first in a set is one of its characters
            continue
        elif char == "{" and not _QUANTIFIER.match(pattern, at):
            return False
        at += 1
    return True
