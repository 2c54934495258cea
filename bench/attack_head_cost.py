"""What the shipped prompt-attack head (gateway/guardrails/semantic/attack_head.py) costs a content
check: the same PROMPT_ATTACK check with and without it, interleaved call by call, in process; and the
head alone beside the seeds' vote it joins, on the same vectors.

The check embeds with the embedded all-MiniLM-L6-v2 in a thread (as tests do). Each prompt is made
unique so that no embedding is reused. Rows: medians at concurrency 1 for a short prompt and for
the 2 KB e-mail of bench/guardrails_overhead.py.

    .venv/bin/python bench/attack_head_cost.py [--rounds 4] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrail_classifier_cost import SHORT, unique  # noqa: E402
from bench.guardrails_overhead import EMAIL  # noqa: E402
from gateway.guardrails.definition import ContentPolicyConfig, Side  # noqa: E402
from gateway.guardrails.policies import content  # noqa: E402
from gateway.guardrails.policies.base import Resources, TextUnit  # noqa: E402
from gateway.guardrails.semantic.content import ContentCheck, pieces_of  # noqa: E402
from gateway.guardrails.semantic.neighbours import evidence  # noqa: E402
from gateway.guardrails.semantic.seeds import SeedIndex  # noqa: E402
from gateway.guardrails.semantic.vectors import matrix, similarities  # noqa: E402
from tests.support.embedder import MiniLMEmbedder  # noqa: E402


async def _paired(without: ContentCheck, with_head: ContentCheck, text: str, runs: int) -> tuple[float, float]:
    """Median ms of each check, the two interleaved call by call (the order alternating), so that
    the machine's drift falls on both alike."""
    times: dict[int, list[float]] = {0: [], 1: []}
    for run in range(runs):
        for side in (0, 1) if run % 2 else (1, 0):
            check = with_head if side else without
            started = time.perf_counter()
            await check.detect([TextUnit(unique(text))])
            times[side].append((time.perf_counter() - started) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def _micro(function: object, runs: int = 2000) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


async def measure(rounds: int, runs: int) -> tuple[list[list[str]], list[list[str]]]:
    embedder = MiniLMEmbedder()
    index = SeedIndex(embedder)
    await index.vectors.prepare()
    config = ContentPolicyConfig(
        filtersConfig=[{"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]
    )
    (with_head,) = content.checks(config, Side.INPUT, Resources(embedder=embedder, extras={content.SEED_INDEX: index}))
    assert isinstance(with_head, ContentCheck) and with_head.head is not None
    without = ContentCheck(with_head.filters, index, None, None)
    for check in (without, with_head):
        for _ in range(3):
            await check.detect([TextUnit(unique(SHORT))])
    rows = []
    for number in range(1, rounds + 1):
        row = [str(number)]
        for text in (SHORT, EMAIL):
            off, on = await _paired(without, with_head, text, runs)
            row += [f"{off:.2f}", f"{on:.2f}"]
        rows.append(row)
    head = with_head.head
    seeds, _ = await index.vectors.embed_with([])
    parts = []
    for name, text in (("short prompt", SHORT), ("2 KB e-mail", EMAIL)):
        pieces = pieces_of([TextUnit(text)])
        vectors = matrix(await embedder.embed(pieces))
        vote = _micro(lambda v=vectors: evidence(similarities(v, seeds), index.seeds).max(axis=0))
        alone = _micro(lambda v=vectors: head.confidence(v))
        parts.append([name, str(len(pieces)), f"{vote:.0f}", f"{alone:.0f}"])
    parts.append(["64 pieces (random vectors)", "64", "-", f"{_micro(lambda: head.confidence(_random(64))):.0f}"])
    return rows, parts


def _random(count: int) -> np.ndarray:
    vectors = np.random.default_rng(0).standard_normal((count, 384)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows, parts = asyncio.run(measure(args.rounds, args.runs))
    short = statistics.median(float(r[2]) - float(r[1]) for r in rows)
    long = statistics.median(float(r[4]) - float(r[3]) for r in rows)
    text = "\n".join(
        [
            "## The prompt-attack head's cost (`bench/attack_head_cost.py`)",
            "",
            "One PROMPT_ATTACK check (MEDIUM) in process, with the shipped head and without it, interleaved call by"
            f" call; {args.runs} unique prompts per cell, median ms (embedding included: all-MiniLM-L6-v2, one"
            " thread).",
            "",
            markdown_table(
                ["round", "short, head off", "short, head on", "2 KB e-mail, head off", "2 KB e-mail, head on"], rows
            ),
            "",
            f"- short prompt: **{short:+.2f} ms** with the head; 2 KB e-mail: **{long:+.2f} ms** (the median of the"
            " rounds' differences; their spread is the noise: the head's own work is in the table below)",
            "",
            "The head alone beside the seeds' vote it joins, on the same vectors (median µs of 2,000):",
            "",
            markdown_table(["text", "pieces", "seeds' vote (µs)", "head (µs)"], parts),
            "",
            machine_line(("torch", "sentence-transformers", "numpy")),
        ]
    )
    print(text)
    if not args.no_write:
        write_section("attack_head_cost", text)


if __name__ == "__main__":
    main()
