"""Where a pattern guardrail's time goes: each check of ``bench/guardrails_overhead.py``'s pattern
guardrail on its 2 KB e-mail, in process, the whole input side (``engine.apply``), and the
prompt-attack patterns on the same e-mail.

    .venv/bin/python bench/guardrail_checks.py [--runs 300]

Prints the medians (ms); BENCHMARKS.md's guardrail notes quote them.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.guardrails_overhead import EMAIL, PATTERNS  # noqa: E402
from gateway.guardrails import engine  # noqa: E402
from gateway.guardrails.compiled import compile_guardrail  # noqa: E402
from gateway.guardrails.definition import GuardrailDefinition, Side  # noqa: E402
from gateway.guardrails.policies.base import Resources, TextUnit  # noqa: E402
from gateway.guardrails.semantic import attacks  # noqa: E402
from gateway.guardrails.text_memo import CHECKED  # noqa: E402


async def median_ms(work: Callable[[], Awaitable[object]], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[runs // 10 :])


async def main(runs: int) -> None:
    CHECKED.resize(0)  # each run scans the e-mail: the memo would answer every run after the first
    definition = GuardrailDefinition.model_validate({"name": "patterns", **PATTERNS})
    guardrail = compile_guardrail("patterns", "DRAFT", definition, Resources())
    units = [TextUnit(EMAIL)]
    print(f"{len(EMAIL)}-character prompt, median of {runs} runs")
    for check in guardrail.checks(Side.INPUT):
        label = f"{type(check).__name__} ({check.policy})"
        print(f"{label:48s} {await median_ms(functools.partial(check.detect, units), runs):.3f} ms")
    whole = await median_ms(lambda: engine.apply(guardrail, Side.INPUT, units), runs)
    print(f"{'input side (engine.apply)':48s} {whole:.3f} ms")
    # The PROMPT_ATTACK filter's patterns on the same text (the content policy's part that is not
    # the embedding model: a semantic guardrail runs it beside the embedding).
    patterns = await median_ms(lambda: asyncio.sleep(0, attacks.confidence(EMAIL)), runs)
    print(f"{'prompt-attack patterns (attacks.confidence)':48s} {patterns:.3f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    asyncio.run(main(parser.parse_args().runs))
