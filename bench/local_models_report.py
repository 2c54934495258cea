"""The BENCHMARKS.md section of bench/local_models.py: the measures per worker kind side by side with
their targets, the in-process ceiling, and the verdict on thread or process."""

from __future__ import annotations

import argparse
import os
from typing import Any

from bench.common import machine_line, markdown_table
from bench.local_models_load import Measures


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "-"


def _verdict(results: dict[str, Measures]) -> str:
    """Thread or process, by the numbers: the event loop's freedom first, then throughput."""
    if not {"thread", "process"} <= set(results):
        return ""
    loop = {k: m.remote_busy.p50_ms / m.remote_idle.p50_ms for k, m in results.items()}
    tokens = {k: m.gen["gen-batched"].per_s * m.tokens for k, m in results.items()}
    best = min(loop, key=lambda k: loop[k])
    return (
        f"**Thread or process:** with the generator saturated, remote calls slowed "
        f"{loop['process']:.2f}x in the process mode and {loop['thread']:.2f}x in the thread mode "
        f"(generation {tokens['process']:,.0f} vs {tokens['thread']:,.0f} tokens/s). By these numbers the "
        f"worker runs in a **{best}** (`worker: auto`)."
    )


def report(results: dict[str, Measures], ceilings: dict[str, float], args: argparse.Namespace, device: str) -> str:
    kinds = list(results)
    rows: list[list[str]] = []

    def row(label: str, target: str, cell: Any) -> None:
        rows.append([label, *(cell(results[k]) for k in kinds), target])

    row(
        "embeddings req/s: batched / one at a time",
        ">= 2.5x",
        lambda m: (
            f"{m.emb['emb-batched'].per_s:,.0f} / {m.emb['emb-single'].per_s:,.0f} = "
            f"**{_ratio(m.emb['emb-batched'].per_s, m.emb['emb-single'].per_s)}**"
        ),
    )
    row(
        "generation tokens/s: batched / one at a time",
        ">= 5x",
        lambda m: (
            f"{m.gen['gen-batched'].per_s * m.tokens:,.0f} / {m.gen['gen-single'].per_s * m.tokens:,.0f} = "
            f"**{_ratio(m.gen['gen-batched'].per_s, m.gen['gen-single'].per_s)}**"
        ),
    )
    row(
        "lone embedding p50 ms: batching / unbatched copy",
        "<= 1.10x",
        lambda m: (
            f"{m.lone_emb['emb-batched'].p50_ms:.1f} / {m.lone_emb['emb-single'].p50_ms:.1f} = "
            f"{_ratio(m.lone_emb['emb-batched'].p50_ms, m.lone_emb['emb-single'].p50_ms)}"
        ),
    )
    row(
        "lone generation p50 ms: batching / unbatched copy",
        "<= 1.10x",
        lambda m: (
            f"{m.lone_gen['gen-batched'].p50_ms:.0f} / {m.lone_gen['gen-single'].p50_ms:.0f} = "
            f"{_ratio(m.lone_gen['gen-batched'].p50_ms, m.lone_gen['gen-single'].p50_ms)}"
        ),
    )
    row(
        "remote p50 ms while generation saturates / idle",
        "<= 2x",
        lambda m: (
            f"{m.remote_busy.p50_ms:.2f} / {m.remote_idle.p50_ms:.2f} = "
            f"**{_ratio(m.remote_busy.p50_ms, m.remote_idle.p50_ms)}**"
        ),
    )
    row("models loaded (s after start)", "", lambda m: f"{m.load_s:.0f}")
    load = os.getloadavg()
    verdict = _verdict(results)
    return "\n".join(
        [
            "## Local models (`bench/local_models.py`)",
            "",
            f"Through the gateway's HTTP API, one run, device `{device}`. Embeddings: all-MiniLM-L6-v2, 64 concurrent "
            "clients, one short sentence each. Generation: a GPT-2-shaped random-weight model "
            f"({args.gen_layers} layers, {args.gen_width} wide, vocabulary 50,257), 16 concurrent requests of "
            f'{args.tokens} new tokens, greedy, {args.rounds} rounds. "One at a time" is a second copy of the model '
            'with `max_batch_size: 1`; "lone" is one client alone (p50 of '
            f"{args.lone} requests per copy; {args.lone * 10} for embeddings). The copies take turns, round by round "
            "and request by request, so that the shared machine's changing load weighs on both alike. Remote: the fake "
            "upstream through the same gateway, one client, while 16 clients keep the local generator saturated. "
            "Columns: where the model's worker runs.",
            "",
            markdown_table(["measure", *(f"worker {k}" for k in kinds), "target"], rows),
            "",
            "In-process ceiling (static batch, no gateway): embeddings batch of 32 = "
            f"**{ceilings.get('emb', 0):.2f}x** one at a time; "
            f"generation batch of 16 = **{ceilings.get('gen', 0):.2f}x**.",
            "",
            verdict,
            "",
            f"Load average during the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (other work on the machine "
            "makes every number noisier).",
            "",
            machine_line(("torch", "transformers", "sentence-transformers", "aiohttp")),
        ]
    )
