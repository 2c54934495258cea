"""A large text's pattern checks run off the event loop, so one caller's megabyte does not stall
every other request; short texts stay inline (a thread would cost more than the check)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.guardrails.assessment import Detection
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import OFF_LOOP_CHARACTERS, apply
from gateway.guardrails.policies.base import TextUnit


@dataclass
class ThreadRecorder:
    """A pattern check (``waits`` False) that notes which thread ran it."""

    policy: str = "wordPolicy"
    waits: bool = False
    threads: list[int] = field(default_factory=list)

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        self.threads.append(threading.get_ident())
        return []


def _guardrail(check: ThreadRecorder) -> CompiledGuardrail:
    definition = GuardrailDefinition.model_validate(
        {
            "name": "g",
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "wordPolicyConfig": {"wordsConfig": [{"text": "x"}]},
        }
    )
    return CompiledGuardrail("g", "DRAFT", definition, (check,), ())  # type: ignore[arg-type]


def _loop_thread_and_runner(text: str) -> tuple[int, int]:
    check = ThreadRecorder()

    async def scenario() -> int:
        await apply(_guardrail(check), Side.INPUT, [TextUnit(text)])
        return threading.get_ident()

    loop_thread = asyncio.run(scenario())
    return loop_thread, check.threads[0]


def test_a_short_texts_pattern_checks_run_inline() -> None:
    loop_thread, runner = _loop_thread_and_runner("hello")
    assert runner == loop_thread


def test_a_large_texts_pattern_checks_run_in_a_thread() -> None:
    loop_thread, runner = _loop_thread_and_runner("a" * (OFF_LOOP_CHARACTERS + 1))
    assert runner != loop_thread
