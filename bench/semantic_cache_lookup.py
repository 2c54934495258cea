"""What does a semantic cache lookup cost? SemanticIndex.nearest() in process, side by side in one run.

Random unit vectors of all-MiniLM-L6-v2's 384 dimensions, 1k / 10k / 50k entries, all in one
partition (the worst case: every lookup scans every entry) and spread over 100 partitions (a
lookup scans its own only). Each row times ``--lookups`` calls of ``nearest()`` (half hits, half
misses), without and with the guard (the new prompt's text given, the cached prompts' facts kept),
and the amortised cost of ``add()`` while the index fills. The embedding itself is not timed
here (bench/guardrails_overhead.py measures MiniLM through the scheduler). Target (issue 18): a
lookup adds <= 5 ms at 10,000 entries on CPU.

    .venv/bin/python bench/semantic_cache_lookup.py [--lookups 2000] [--sizes 1000,10000,50000] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from gateway.services.cache.semantic_index import SemanticIndex  # noqa: E402

DIM = 384
FAR = 2e9
PROMPT = "How do I convert {n} km to miles in Python without rounding the result?"


def build(
    size: int, partitions: int, guarded: bool, rng: np.random.Generator
) -> tuple[SemanticIndex, np.ndarray, float]:
    vectors = rng.normal(size=(size, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = SemanticIndex(max_entries=size, dim=DIM)
    started = time.perf_counter()
    for i in range(size):
        index.add(f"part-{i % partitions}", vectors[i], f"key-{i}", FAR, PROMPT.format(n=i) if guarded else None)
    return index, vectors, (time.perf_counter() - started) / size * 1e6


def time_lookups(
    index: SemanticIndex, vectors: np.ndarray, partitions: int, lookups: int, guarded: bool, rng: np.random.Generator
) -> list[float]:
    times: list[float] = []
    now = time.time()
    for j in range(lookups):
        i = int(rng.integers(len(vectors)))
        if j % 2:  # a hit: a close neighbour of a cached prompt
            query = vectors[i] + rng.normal(scale=0.01, size=DIM).astype(np.float32)
        else:  # a miss: nothing near
            query = rng.normal(size=DIM).astype(np.float32)
        text = PROMPT.format(n=i) if guarded else None
        started = time.perf_counter()
        index.nearest(f"part-{i % partitions}", query, 0.9, now, text)
        times.append((time.perf_counter() - started) * 1000)
    return times


def p99(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.99))]


def report(sizes: list[int], lookups: int) -> str:
    rng = np.random.default_rng(18)
    rows = []
    for size in sizes:
        for partitions in (1, 100):
            for guarded in (False, True):
                index, vectors, add_us = build(size, partitions, guarded, rng)
                time_lookups(index, vectors, partitions, min(200, lookups), guarded, rng)  # warm-up
                times = time_lookups(index, vectors, partitions, lookups, guarded, rng)
                rows.append(
                    [
                        f"{size:,}",
                        str(partitions),
                        "on" if guarded else "off",
                        f"{statistics.median(times):.3f}",
                        f"{p99(times):.3f}",
                        f"{add_us:.1f}",
                    ]
                )
    return "\n".join(
        [
            "## Semantic cache: lookup cost (`bench/semantic_cache_lookup.py`)",
            "",
            f"SemanticIndex.nearest() in process, {lookups} lookups per row (half hits, half misses), 384-dim "
            "float32 vectors; entries in one partition or spread over 100. Target: <= 5 ms at 10,000 entries.",
            "",
            markdown_table(
                ["entries", "partitions", "guard", "nearest p50 (ms)", "nearest p99 (ms)", "add (µs, amortised)"],
                rows,
            ),
            "",
            machine_line(("numpy",)),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    text = report([int(s) for s in args.sizes.split(",")], args.lookups)
    print(text)
    if not args.no_write:
        write_section("semantic_cache_lookup", text)


if __name__ == "__main__":
    main()
