"""What a trained prompt-attack classifier (STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH) costs a content
check: the same PROMPT_ATTACK check with and without it, in alternating rounds, in process.

The check embeds with the embedded all-MiniLM-L6-v2 in a thread (as tests do; the gateway batches
through its worker process), the classifier runs in a thread as the gateway runs it. Each prompt is
made unique so that no embedding is reused. Rows: the median of one check at concurrency 1 for a
short prompt and for the 2 KB e-mail of bench/guardrails_overhead.py, and checks per second with 32
at once.

    .venv/bin/python bench/guardrail_classifier_cost.py --classifier DIR [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrails_overhead import EMAIL  # noqa: E402
from gateway.guardrails.definition import ContentPolicyConfig, Side  # noqa: E402
from gateway.guardrails.policies import content  # noqa: E402
from gateway.guardrails.policies.base import Check, Resources, TextUnit  # noqa: E402
from gateway.guardrails.semantic.seeds import SeedIndex  # noqa: E402
from tests.support.embedder import MiniLMEmbedder  # noqa: E402

SHORT = "Could you summarise the attached quarterly report in five bullet points for the board?"
_COUNTER = itertools.count()


def unique(text: str) -> str:
    """The text made new, so that no embedding is reused."""
    return f"{text} (ref {next(_COUNTER)})"


async def _checks(classifier: str) -> tuple[Check, Check]:
    embedder = MiniLMEmbedder()
    index = SeedIndex(embedder)
    await index.vectors.prepare()
    config = ContentPolicyConfig(
        filtersConfig=[{"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]
    )
    plain = Resources(embedder=embedder, extras={content.SEED_INDEX: index})
    wired = Resources(embedder=embedder, extras={content.SEED_INDEX: index, **content.content_classifier(classifier)})
    (without,) = content.checks(config, Side.INPUT, plain)
    (with_,) = content.checks(config, Side.INPUT, wired)
    for check in (without, with_):  # load the classifier, warm both
        for _ in range(3):
            await check.detect([TextUnit(unique(SHORT))])
    return without, with_


async def _latency(check: Check, text: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await check.detect([TextUnit(unique(text))])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def _throughput(check: Check, text: str, seconds: float) -> float:
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        await asyncio.gather(*(check.detect([TextUnit(unique(text))]) for _ in range(32)))
        done += 32
    return done / (time.perf_counter() - started)


async def measure(classifier: str, rounds: int, runs: int, seconds: float) -> list[list[str]]:
    without, with_ = await _checks(classifier)
    rows: list[list[str]] = []
    for number in range(1, rounds + 1):
        row = [str(number)]
        for text in (SHORT, EMAIL):
            off, on = await _latency(without, text, runs), await _latency(with_, text, runs)
            row += [f"{off:.1f}", f"{on:.1f}"]
        off_rate, on_rate = await _throughput(without, SHORT, seconds), await _throughput(with_, SHORT, seconds)
        row += [f"{off_rate:.0f}", f"{on_rate:.0f}", f"{on_rate / off_rate:.2f}"]
        rows.append(row)
        print(" | ".join(row), flush=True)
    return rows


def report(rows: list[list[str]]) -> str:
    header = [
        "round",
        "short prompt p50 ms, off",
        "on",
        "2 KB e-mail p50 ms, off",
        "on",
        "checks/s at 32, short, off",
        "on",
        "on / off",
    ]
    return "\n".join(
        [
            "## A trained prompt-attack classifier's cost (`bench/guardrail_classifier_cost.py`)",
            "",
            "One PROMPT_ATTACK check (MEDIUM) in process, without and with the classifier"
            " `strata guardrails train-classifier` wrote (fine-tuned all-MiniLM-L6-v2, run in a thread"
            " as the gateway runs it); the seeds' embeddings by the embedded MiniLM in a thread; every"
            " prompt unique. Alternating, on the same machine in one run.",
            "",
            markdown_table(header, rows),
            "",
            machine_line(("torch", "transformers")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classifier", required=True, metavar="DIR")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = report(asyncio.run(measure(args.classifier, args.rounds, args.runs, args.seconds)))
    print(text)
    if not args.no_write:
        write_section("guardrail_classifier_cost", text)


if __name__ == "__main__":
    main()
