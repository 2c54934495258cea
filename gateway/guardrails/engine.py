"""Applying a compiled guardrail to text: every check of the side, then one decision.

Any BLOCKED detection blocks (the output is the guardrail's blocked message); else any ANONYMIZED
detection masks (the output is the text with each match replaced by its placeholder, e.g.
``{EMAIL}``); detections whose action is NONE are reported and change nothing. Checks that wait
on the embedding model run concurrently as tasks, so they overlap; pattern checks never yield and
run inline, except on large texts (past OFF_LOOP_CHARACTERS), where they run in a thread so that
one caller's megabyte does not stall every other request (the ``regex`` module lets go of the GIL
while it matches).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Coroutine, Sequence
from typing import Any

from gateway.guardrails.assessment import Detection, Outcome
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.guardrails.definition import Side
from gateway.guardrails.policies.base import (
    CONTEXT,
    GROUNDING_SOURCE,
    GUARD_CONTENT,
    PATTERN_POLICIES,
    QUERY,
    Check,
    TextUnit,
    waits,
)

UNIT_CHARACTERS = 1000  # Bedrock counts usage in text units of up to 1,000 characters
OFF_LOOP_CHARACTERS = 32_768  # past this, pattern checks run in a thread (~1 ms of work inline below it)


def guarded(units: Sequence[TextUnit]) -> list[int]:
    """Which units the content policies look at: the ``guard_content`` ones when any is marked so
    (Bedrock's selective guarding), else all but grounding sources and queries."""
    marked = [i for i, u in enumerate(units) if GUARD_CONTENT in u.qualifiers]
    if marked:
        return marked
    return [i for i, u in enumerate(units) if not (u.qualifiers & {GROUNDING_SOURCE, QUERY})]


async def apply(guardrail: CompiledGuardrail, side: Side, units: Sequence[TextUnit]) -> Outcome:
    started = time.perf_counter()
    checks = guardrail.checks(side)
    indexes = guarded(units)
    said = [i for i in indexes if CONTEXT not in units[i].qualifiers]  # what the semantic policies read
    subject = [units[i] for i in indexes]
    results = await _detect_all(checks, units, subject, [units[i] for i in said])
    detections: list[Detection] = []
    for check, found in zip(checks, results, strict=True):
        if check.policy != "contextualGroundingPolicy":
            numbering = indexes if check.policy in PATTERN_POLICIES else said
            for detection in found:  # back to the caller's unit numbering
                if detection.span is not None:
                    unit, start, end = detection.span
                    detection.span = (numbering[unit], start, end)
        detections += found
    passed = [d for d in detections if not d.detected]
    if passed:
        detections = [d for d in detections if d.detected]
    characters = sum(len(u.text) for u in subject)
    units_checked = {check.policy: max(1, math.ceil(characters / UNIT_CHARACTERS)) for check in checks}
    outcome = Outcome(side, detections, [], units_checked, characters, passed=passed)
    if outcome.blocked:
        outcome.outputs = [guardrail.blocked_message(side)]
    elif outcome.anonymized:
        outcome.outputs = [masked(units[i].text, i, detections) for i in indexes]
    outcome.latency_ms = int((time.perf_counter() - started) * 1000)
    return outcome


async def _detect_all(
    checks: Sequence[Check], units: Sequence[TextUnit], subject: list[TextUnit], said: list[TextUnit]
) -> list[list[Detection]]:
    """Checks that wait (embeddings, a thread) run as concurrent tasks, started first; pattern checks
    run inline meanwhile (a task each would cost more than most of them take)."""

    def reads(check: Check) -> Sequence[TextUnit]:
        return _for(check.policy, units, subject, said)

    # Semantic checks also report the filters and topics that did not fire (``evaluate``), for FULL.
    pending = {
        i: asyncio.ensure_future(getattr(c, "evaluate", c.detect)(reads(c))) for i, c in enumerate(checks) if waits(c)
    }
    results: list[list[Detection]] = []
    try:
        if sum(len(u.text) for u in units) > OFF_LOOP_CHARACTERS:
            inline = [(i, c) for i, c in enumerate(checks) if i not in pending]
            done_inline = await asyncio.to_thread(_run_inline, [c.detect(reads(c)) for _, c in inline])
            results = [[] for _ in checks]
            for (index, _), detections in zip(inline, done_inline, strict=True):
                results[index] = detections
        else:
            for index, check in enumerate(checks):
                results.append([] if index in pending else await check.detect(reads(check)))
    except BaseException:  # the tasks started for this call must not outlive it
        for task in pending.values():
            task.cancel()
        raise
    if pending:
        done = await asyncio.gather(*pending.values())
        for index, found in zip(pending, done, strict=True):
            results[index] = found
    return results


def _run_inline(coroutines: list[Coroutine[Any, Any, list[Detection]]]) -> list[list[Detection]]:
    """Pattern checks' coroutines run to their end in this thread: they never await (``waits`` is
    False), so one step finishes each."""
    out: list[list[Detection]] = []
    for coroutine in coroutines:
        try:
            coroutine.send(None)
        except StopIteration as done:
            out.append(done.value)
            continue
        coroutine.close()
        raise RuntimeError("a pattern check awaited something; it must declare waits = True")
    return out


def _for(policy: str, units: Sequence[TextUnit], subject: list[TextUnit], said: list[TextUnit]) -> Sequence[TextUnit]:
    """Contextual grounding reads every unit (sources, query and answer); word and sensitive
    information policies the guarded ones; topics and content filters the guarded ones a user said."""
    if policy == "contextualGroundingPolicy":
        return units
    return subject if policy in PATTERN_POLICIES else said


def masked(text: str, unit: int, detections: Sequence[Detection]) -> str:
    """``text`` with every ANONYMIZED match in it replaced by its placeholder; overlapping matches
    are merged into one replacement, the earliest-starting (then longest) one's placeholder."""
    spans = sorted(
        (
            (d.span[1], d.span[2], d.placeholder or "{REDACTED}")
            for d in detections
            if d.action == "ANONYMIZED" and d.span is not None and d.span[0] == unit
        ),
        key=lambda span: (span[0], -span[1]),
    )
    out: list[str] = []
    position = 0
    for start, end, placeholder in spans:
        if start < position:  # overlaps the replacement before it: absorbed into it
            position = max(position, end)
            continue
        out += [text[position:start], placeholder]
        position = end
    out.append(text[position:])
    return "".join(out)
