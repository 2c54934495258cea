"""Compiled decoding (`compile: true`) against eager decoding, side by side in one run.

Two copies of one random-weight GPT-2-shaped model behind the local provider (the gateway's own
scheduler and worker, in a thread, without HTTP), one decoding eagerly, one with its decode step
compiled over a static KV cache (torch.compile; on CUDA, CUDA graphs). For each concurrency: a
burst of that many greedy requests, tokens/s over the burst, and whether each compiled reply is
word for word the eager one. Each copy meets every shape once before it is timed (the compile
seconds are reported apart).

    python3 bench/local_compiled.py                      # CPU: the demo shape and a 12x768 model
    python3 bench/local_compiled.py --device cuda --models 24x1024x16 --concurrency 1 16 64
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine_line, markdown_table  # noqa: E402
from providers.base import CallOptions  # noqa: E402
from providers.canonical import ChatCompletionRequest  # noqa: E402
from providers.local.config import LocalDeployment  # noqa: E402
from providers.local.demo import build_gpt  # noqa: E402
from providers.local.provider import LocalProvider  # noqa: E402

PROMPTS = [f"tell me story number {i} about a little fox who lived in the forest" for i in range(64)]


async def burst(provider: LocalProvider, concurrent: int, tokens: int, tag: str) -> tuple[float, int, list[str]]:
    def request(i: int) -> ChatCompletionRequest:
        return ChatCompletionRequest(
            model="m", messages=[{"role": "user", "content": PROMPTS[i]}], max_tokens=tokens, temperature=0
        )

    started = time.perf_counter()
    replies = await asyncio.gather(
        *(provider.chat(request(i), CallOptions(f"{tag}{i}", 600)) for i in range(concurrent))
    )
    elapsed = time.perf_counter() - started
    produced = sum(r.usage.completion_tokens for r in replies if r.usage)
    return produced / elapsed, produced, [str(r.choices[0].message.content) for r in replies]


async def copy(
    folder: Path, device: str, compile: bool, concurrency: list[int], tokens: int, rounds: int
) -> dict[str, Any]:
    provider = LocalProvider(
        LocalDeployment(
            provider="local",
            path=str(folder),
            device=device,
            max_batch_size=max(concurrency),
            worker="thread",
            max_queue_length=1024,
            max_wait_ms=20,
            compile=compile,
        )
    )
    started = time.perf_counter()
    await provider.start()
    while not (await provider.health()).ready:
        await asyncio.sleep(0.05)
    ready_s = time.perf_counter() - started
    try:
        started = time.perf_counter()
        for n in concurrency:  # every shape met once, compiled if it is to be
            await burst(provider, n, tokens, "warm")
        warm_s = time.perf_counter() - started
        results: dict[int, dict[str, Any]] = {}
        for n in concurrency:
            runs = [await burst(provider, n, tokens, f"r{n}-{k}-") for k in range(rounds)]
            best = max(runs, key=lambda run: run[0])
            results[n] = {"tokens_per_s": best[0], "tokens": best[1], "texts": best[2]}
        return {"ready_s": ready_s, "warm_s": warm_s, "runs": results}
    finally:
        await provider.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--models", nargs="+", default=["2x128x4", "12x768x12"], help="LAYERSxWIDTHxHEADS")
    parser.add_argument("--concurrency", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="bursts per concurrency; the best is reported")
    parser.add_argument("--threads", type=int, help="torch threads (default: as a worker: cores - 1)")
    parser.add_argument("--write", action="store_true", help="put the table into BENCHMARKS.md")
    parser.add_argument("--save", type=Path, help="also write the section's text to this file")
    args = parser.parse_args()
    import torch

    from providers.local.worker import default_threads

    torch.set_num_threads(args.threads or default_threads())
    cuda = args.device.startswith("cuda") and torch.cuda.is_available()
    device_name = torch.cuda.get_device_name(0) if cuda else "CPU"
    rows: list[list[str]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.models:
            layers, width, heads = (int(part) for part in shape.split("x"))
            folder = Path(tmp, shape)
            build_gpt(folder, layers=layers, width=width, heads=heads, context=1024, vocab_size=50257)
            found = {
                compile: asyncio.run(copy(folder, args.device, compile, args.concurrency, args.tokens, args.rounds))
                for compile in (False, True)
            }
            eager, compiled = found[False], found[True]
            for n in args.concurrency:
                before, after = eager["runs"][n], compiled["runs"][n]
                same = sum(a == b for a, b in zip(before["texts"], after["texts"], strict=True))
                rows.append(
                    [
                        f"{layers}x{width}",
                        str(n),
                        f"{before['tokens_per_s']:,.1f}",
                        f"{after['tokens_per_s']:,.1f}",
                        f"**{after['tokens_per_s'] / before['tokens_per_s']:.2f}x**",
                        f"{same} / {n}",
                    ]
                )
                print(rows[-1], flush=True)
            notes.append(
                f"{layers}x{width}: ready in {eager['ready_s']:.1f} s eager, {compiled['ready_s']:.1f} s compiled "
                f"(the lone request's step compiled at load); first burst at each concurrency "
                f"{eager['warm_s']:.1f} s eager, {compiled['warm_s']:.1f} s compiled (the other shapes compiled)"
            )
    text = "\n".join(
        [
            "## Compiled decoding (`bench/local_compiled.py`)",
            "",
            f"Random-weight GPT-2-shaped models (50,257-token vocabulary), on {device_name}; one copy decoding "
            "eagerly, one with `compile: true`, each behind the local provider (thread worker); per concurrency, "
            f"a burst of greedy requests of {args.tokens} tokens, best of {args.rounds} bursts, after every shape "
            "was met once. "
            "Identical: compiled replies word for word the eager ones.",
            "",
            markdown_table(
                ["model", "concurrent", "eager tokens/s", "compiled tokens/s", "speed-up", "identical"], rows
            ),
            "",
            *(f"- {note}" for note in notes),
            "",
            machine_line(("torch", "transformers")) + f"; {torch.get_num_threads()} torch thread(s)",
        ]
    )
    print(text)
    if args.save:
        args.save.write_text(text)
    if args.write:
        from bench.common import write_section

        write_section("local_compiled", text)


if __name__ == "__main__":
    main()
