"""A catastrophic custom regex holds up its own call, never the gateway: one ApplyGuardrail call of
40 short texts under ``(a|aa)+$`` froze every other request for 7-18 s, each text taking the
regex's time limit on the event loop. Now a regex has one budget per call, and its searches leave
the event loop once they take more than a couple of milliseconds."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.policies import regexes
from gateway.guardrails.policies.base import TextUnit

SLOW = r"(a|aa)+$"
TEXT = "a" * 40 + "!"


def _check(*patterns: str) -> regexes.RegexCheck:
    config = SensitiveInformationPolicyConfig(
        regexesConfig=[{"name": f"r{i}", "pattern": p, "action": "BLOCK"} for i, p in enumerate(patterns)]
    )
    check = regexes.check(config, Side.INPUT)
    assert check is not None
    return check


async def _detect_while_ticking(check: regexes.RegexCheck, units: list[TextUnit]) -> tuple[list[Any], float]:
    """The detections, and the longest the event loop went without running another task."""
    gaps: list[float] = []
    done = False

    async def tick() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0.01)
    try:
        found = await check.detect(units)
    finally:
        done = True
        await ticker
    return found, max(gaps)


def test_a_catastrophic_regex_leaves_the_event_loop_free() -> None:
    found, worst_gap = asyncio.run(_detect_while_ticking(_check(SLOW), [TextUnit(TEXT)] * 40))

    assert worst_gap < 0.05, f"the event loop stood still for {worst_gap:.3f} s"
    assert [d.span for d in found] == [(unit, 0, len(TEXT)) for unit in range(40)], "out of time: matched whole"


def test_a_regex_has_one_time_budget_for_all_the_texts_of_a_call() -> None:
    started = time.perf_counter()
    found = asyncio.run(_check(SLOW).detect([TextUnit(TEXT)] * 40))
    took = time.perf_counter() - started

    assert len(found) == 40
    assert took < 1.0, f"40 texts took {took:.2f} s: the budget was per text ({regexes.TIME_LIMIT_S} s each)"


def test_a_slow_regex_does_not_spend_the_budget_of_a_fast_one_beside_it() -> None:
    found = asyncio.run(_check(SLOW, r"a{3}!").detect([TextUnit(TEXT)] * 3))

    assert sorted((d.entry["name"], d.span) for d in found) == sorted(
        [("r0", (u, 0, len(TEXT))) for u in range(3)] + [("r1", (u, 37, 41)) for u in range(3)]
    )


def test_a_fast_regex_runs_inline_without_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_thread(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a fast search went to a thread")

    check, units = _check(r"EMP-\d{6}"), [TextUnit("ask EMP-123456 " * 100)] * 3
    asyncio.run(check.detect(units))  # the regex module's first search with a time limit sets itself up (~15 ms)
    monkeypatch.setattr(regexes.asyncio, "to_thread", no_thread)
    # searches finishing within INLINE_S stay on the loop; a generous INLINE_S here, so that a busy
    # machine preempting this process for a few ms cannot send them to a thread
    monkeypatch.setattr(regexes, "INLINE_S", 1.0)
    found = asyncio.run(check.detect(units))

    assert len(found) == 300


def test_off_the_event_loop_the_check_finishes_without_awaiting() -> None:
    """The engine runs a large call's pattern checks in a thread, stepping each coroutine once."""
    coroutine = _check(SLOW).detect([TextUnit(TEXT)] * 3)
    with pytest.raises(StopIteration) as finished:
        coroutine.send(None)
    assert len(finished.value.value) == 3
