"""Local models on an accelerator: continuous batching vs one request at a time, in process.

The GPU counterpart of bench/local_models.py, for a machine that has CUDA but not the gateway's
web stack: it drives the local provider directly (the same scheduler and worker the gateway
uses, in a process or a thread, without HTTP), with larger random-weight models built on the
spot, and compares the replies of both copies. Also measured in process: a static batch vs one
row, and the scheduler's own step. Prints a table; --write puts it into BENCHMARKS.md, --save
into a file, --profile writes torch.profiler's table of the scheduler's steps.

    python3 bench/local_gpu.py --device cuda --gen-layers 24 --gen-width 1024 --gen-heads 16
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from providers.base import CallOptions  # noqa: E402
from providers.canonical import ChatCompletionRequest, EmbeddingRequest  # noqa: E402
from providers.local.config import LocalDeployment  # noqa: E402
from providers.local.demo import build_gpt  # noqa: E402
from providers.local.provider import LocalProvider  # noqa: E402

TEXTS: dict[tuple[str, int], list[str]] = {}  # (worker, max_batch_size) -> the burst's replies, in order
PROMPTS = [f"tell me story number {i} about a little fox who lived in the forest" for i in range(64)]


def build_bert(folder: Path, layers: int, width: int, heads: int) -> Path:
    """A random-weight BERT encoder with a word-piece tokenizer built from a few words."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    words = sorted({w for p in PROMPTS for w in p.split()})
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words])}
    core = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.BertNormalizer(lowercase=True)
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=width,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=4 * width,
        max_position_embeddings=128,
    )
    BertModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


async def _ready(provider: LocalProvider) -> None:
    await provider.start()
    while not (await provider.health()).ready:
        await asyncio.sleep(0.1)


async def generation(
    folder: Path, device: str, worker: str, batch: int, concurrent: int, tokens: int, lone: int
) -> dict[str, float]:
    """One copy of the model (``max_batch_size=batch``): a lone request's latency, then a burst."""
    provider = LocalProvider(
        LocalDeployment(
            provider="local",
            path=str(folder),
            device=device,
            max_batch_size=batch,
            worker=worker,  # type: ignore[arg-type]
            max_queue_length=1024,
        )
    )
    await _ready(provider)

    def request(i: int, n: int = tokens) -> ChatCompletionRequest:
        return ChatCompletionRequest(
            model="m",
            messages=[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
            max_tokens=n,
            temperature=0,
        )

    try:  # warm up with a short burst and a lone request: both copies meet both shapes before they are timed
        await asyncio.gather(*(provider.chat(request(i, 4), CallOptions(f"w{i}", 600)) for i in range(concurrent)))
        await provider.chat(request(0, tokens), CallOptions("w", 600))
        lone_s = []
        for i in range(lone):
            started = time.perf_counter()
            await provider.chat(request(i), CallOptions(f"lone{i}", 600))
            lone_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        replies = await asyncio.gather(
            *(provider.chat(request(i), CallOptions(f"r{i}", 600)) for i in range(concurrent))
        )
        elapsed = time.perf_counter() - started
        produced = sum(r.usage.completion_tokens for r in replies if r.usage)
        TEXTS[(worker, batch)] = [str(r.choices[0].message.content) for r in replies]
        return {"tokens_per_s": produced / elapsed, "tokens": produced, "lone_ms": statistics.median(lone_s) * 1000}
    finally:
        await provider.aclose()


def ceiling(folder: Path, device: str, rows: int, tokens: int, profile: Path | None = None) -> dict[str, float]:
    """In process, no scheduler: a static batch of ``rows`` vs one row, ms per decode step.

    Then the scheduler's own step with the same rows, and (with ``profile``) torch.profiler's
    table of where that step's time goes.
    """
    import torch

    from providers.local.batch import KVBatch, ModelRunner, prefill
    from providers.local.generation import GenerationEngine, Job
    from providers.local.loading import load_causal_lm
    from providers.local.protocol import SamplingParams
    from providers.local.templates import render_prompt

    lm = load_causal_lm(folder, device, "auto", None, lambda *a, **k: None)
    run = ModelRunner(lm.model, lm.device, int(lm.tokenizer.pad_token_id or 0))
    prompts = [render_prompt(lm.tokenizer, [{"role": "user", "content": p}], None) for p in PROMPTS[:rows]]

    @torch.inference_mode()
    def generate(batch_prompts: list[list[int]]) -> float:
        batch = KVBatch(run, len(batch_prompts))
        batch.add(prefill(run, batch_prompts))
        _sync(device)
        begin = time.perf_counter()
        for _ in range(tokens):
            assert batch.logits is not None
            batch.step(batch.logits.argmax(-1).tolist())
        _sync(device)
        return (time.perf_counter() - begin) / tokens * 1000

    def engine_step_ms(profile: Path | None = None) -> float:
        """The scheduler's step (sampling, detokenizing, events) around the same forward passes."""
        engine = GenerationEngine(lm, rows, lambda events: None)
        for rid, prompt in enumerate(prompts):
            engine.inbox.put(Job(rid, prompt, 1, tokens + 1, SamplingParams(max_tokens=tokens + 1, temperature=0)))
        engine.step()  # admits (prefills) and takes the first step
        _sync(device)
        begin = time.perf_counter()
        if profile is None:
            for _ in range(tokens - 1):
                engine.step()
        else:
            with torch.profiler.profile() as prof:
                for _ in range(tokens - 1):
                    engine.step()
            table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=30)
            profile.write_text(f"{tokens - 1} engine steps, {rows} rows\n{table}")
        _sync(device)
        assert len(engine.rows) == rows, "a row finished early: the step count would be off"
        return (time.perf_counter() - begin) / (tokens - 1) * 1000

    generate(prompts[:2])
    one = statistics.median(generate(prompts[:1]) for _ in range(3))
    many = statistics.median(generate(prompts) for _ in range(3))
    engine = statistics.median(engine_step_ms() for _ in range(2))
    if profile is not None:
        engine_step_ms(profile)
    return {"one_ms": one, "many_ms": many, "engine_ms": engine}


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


async def embeddings(folder: Path, device: str, batch: int, concurrent: int, seconds: float) -> dict[str, float]:
    provider = LocalProvider(
        LocalDeployment(
            provider="local",
            path=str(folder),
            task="embeddings",
            device=device,
            max_batch_size=batch,
            worker="thread",
            max_queue_length=1024,
        )
    )
    await _ready(provider)
    done = 0

    async def client(i: int, stop: float) -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await provider.embed(EmbeddingRequest(model="e", input=PROMPTS[i % len(PROMPTS)]), CallOptions("e", 600))
            done += 1

    try:
        await client(0, time.perf_counter() + 0.5)
        done, started = 0, time.perf_counter()
        await asyncio.gather(*(client(i, started + seconds) for i in range(concurrent)))
        return {"requests_per_s": done / (time.perf_counter() - started)}
    finally:
        await provider.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--gen-layers", type=int, default=24)
    parser.add_argument("--gen-width", type=int, default=1024)
    parser.add_argument("--gen-heads", type=int, default=16)
    parser.add_argument("--vocab", type=int, default=50257, help="GPT-2's; a small one makes greedy stop at once")
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--concurrent", type=int, default=16)
    parser.add_argument("--workers", nargs="+", default=["process", "thread"], choices=["process", "thread"])
    parser.add_argument("--lone", type=int, default=5, help="lone requests per copy (the median is reported)")
    parser.add_argument("--emb-layers", type=int, default=12)
    parser.add_argument("--emb-width", type=int, default=768)
    parser.add_argument("--seconds", type=float, default=5.0, help="per embedding run; 0 skips embeddings")
    parser.add_argument("--write", action="store_true", help="put the table into BENCHMARKS.md")
    parser.add_argument("--save", type=Path, help="also write the section's text to this file")
    parser.add_argument("--profile", type=Path, help="write torch.profiler's table of the scheduler's steps here")
    args = parser.parse_args()
    import torch

    from providers.local.worker import default_threads

    torch.set_num_threads(default_threads())  # as a worker does (on the CPU it matters)

    device_name = (
        torch.cuda.get_device_name(0) if args.device.startswith("cuda") and torch.cuda.is_available() else "CPU"
    )
    with tempfile.TemporaryDirectory() as tmp:
        gpt, bert = Path(tmp, "gpt"), Path(tmp, "bert")
        shape = {"layers": args.gen_layers, "width": args.gen_width, "heads": args.gen_heads}
        build_gpt(gpt, **shape, context=1024, vocab_size=args.vocab)
        static = ceiling(gpt, args.device, args.concurrent, args.tokens)
        print(f"static batch: {static}", flush=True)
        copies: dict[str, dict[str, dict[str, float]]] = {}
        for worker in args.workers:
            copies[worker] = {}
            for name, batch in (("alone", 1), ("batched", args.concurrent)):
                result = generation(gpt, args.device, worker, batch, args.concurrent, args.tokens, args.lone)
                copies[worker][name] = asyncio.run(result)
                print(f"worker {worker}, {name}: {copies[worker][name]}", flush=True)
            pairs = zip(TEXTS[(worker, 1)], TEXTS[(worker, args.concurrent)], strict=True)
            copies[worker]["batched"]["same"] = sum(a == b for a, b in pairs)
        emb: dict[str, float] = {}
        if args.seconds > 0:
            build_bert(bert, args.emb_layers, args.emb_width, max(1, args.emb_width // 64))
            emb["alone"] = asyncio.run(embeddings(bert, args.device, 1, 64, args.seconds))["requests_per_s"]
            emb["batched"] = asyncio.run(embeddings(bert, args.device, 32, 64, args.seconds))["requests_per_s"]
        if args.profile:  # last: a profiler's hooks can outlive it and slow what runs after
            ceiling(gpt, args.device, args.concurrent, args.tokens, args.profile)
    text = report(args, device_name, torch.__version__, static, copies, emb)
    print(text)
    if args.save:
        args.save.write_text(text)
    if args.write:
        from bench.common import write_section

        write_section("local_gpu", text)


def report(
    args: argparse.Namespace,
    device_name: str,
    torch_version: str,
    static: dict[str, float],
    copies: dict[str, dict[str, dict[str, float]]],
    emb: dict[str, float],
) -> str:
    expected = args.concurrent * args.tokens
    rows: list[list[Any]] = []
    for worker, runs in copies.items():
        alone, batched = runs["alone"], runs["batched"]
        rows += [
            [
                f"worker {worker}: generation, {args.concurrent} concurrent x {args.tokens} tokens: tokens/s "
                f"(tokens produced, of {expected:,})",
                f"{alone['tokens_per_s']:,.0f} ({alone['tokens']:,.0f})",
                f"{batched['tokens_per_s']:,.0f} ({batched['tokens']:,.0f})",
                f"**{batched['tokens_per_s'] / alone['tokens_per_s']:.2f}x**",
            ],
            [
                f"worker {worker}: a lone request's latency, {args.tokens} tokens (ms, median of {args.lone})",
                f"{alone['lone_ms']:.0f}",
                f"{batched['lone_ms']:.0f}",
                f"{batched['lone_ms'] / alone['lone_ms']:.2f}x",
            ],
            [
                f"worker {worker}: replies identical, batched vs one at a time (of {args.concurrent})",
                "",
                str(batched.get("same", "")),
                "",
            ],
        ]
    rows += [
        [
            f"in process, no scheduler: ms per decode step, 1 row vs a static batch of {args.concurrent}",
            f"{static['one_ms']:.2f}",
            f"{static['many_ms']:.2f}",
            f"{args.concurrent * static['one_ms'] / static['many_ms']:.2f}x tokens/s",
        ],
        [
            f"in process: ms per step of the scheduler (sampling, detokenizing, events), {args.concurrent} rows",
            "",
            f"{static['engine_ms']:.2f}",
            f"{static['engine_ms'] / static['many_ms']:.2f}x the static step",
        ],
    ]
    if emb:
        rows.append(
            [
                f"embeddings, BERT {args.emb_layers}x{args.emb_width}, 64 concurrent: requests/s",
                f"{emb['alone']:,.0f}",
                f"{emb['batched']:,.0f}",
                f"{emb['batched'] / emb['alone']:.2f}x",
            ]
        )
    lines = ["| measure | one at a time | batched | ratio |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(
        [
            "## Local models on a GPU (`bench/local_gpu.py`)",
            "",
            "In process (the local provider and its worker, no HTTP), on "
            f"{device_name}; torch {torch_version}. GPT-2 shape {args.gen_layers}x{args.gen_width}, vocabulary "
            f"{args.vocab:,}, random weights, greedy decoding (the replies of both copies are compared). "
            '"One at a time" is a copy of the model with `max_batch_size: 1`; "batched" one with '
            f"`max_batch_size: {args.concurrent}`.",
            "",
            *lines,
        ]
    )


if __name__ == "__main__":
    main()
