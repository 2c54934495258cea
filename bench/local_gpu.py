"""Local models on an accelerator: continuous batching vs one request at a time, in process.

The GPU counterpart of bench/local_models.py, for a machine that has CUDA but not the gateway's
web stack: it drives the local provider directly (the same scheduler and worker the gateway
uses, without HTTP), with larger random-weight models built on the spot. Prints a table, and
with --write puts it into BENCHMARKS.md.

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

from gateway.schemas.canonical import ChatCompletionRequest, EmbeddingRequest  # noqa: E402
from providers.base import CallOptions  # noqa: E402
from providers.local.config import LocalDeployment  # noqa: E402
from providers.local.demo import build_gpt  # noqa: E402
from providers.local.provider import LocalProvider  # noqa: E402

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


async def generation(folder: Path, device: str, batch: int, concurrent: int, tokens: int) -> dict[str, float]:
    provider = LocalProvider(
        LocalDeployment(
            provider="local",
            path=str(folder),
            device=device,
            max_batch_size=batch,
            worker="thread",
            max_queue_length=1024,
        )
    )
    await _ready(provider)

    def request(i: int) -> ChatCompletionRequest:
        return ChatCompletionRequest(
            model="m",
            messages=[{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
            max_tokens=tokens,
            temperature=0,
        )

    try:
        await provider.chat(request(0), CallOptions("warm", 600))
        lone = []
        for i in range(3):
            started = time.perf_counter()
            await provider.chat(request(i), CallOptions(f"lone{i}", 600))
            lone.append(time.perf_counter() - started)
        started = time.perf_counter()
        replies = await asyncio.gather(
            *(provider.chat(request(i), CallOptions(f"r{i}", 600)) for i in range(concurrent))
        )
        elapsed = time.perf_counter() - started
        produced = sum(r.usage.completion_tokens for r in replies if r.usage)
        return {"tokens_per_s": produced / elapsed, "tokens": produced, "lone_ms": statistics.median(lone) * 1000}
    finally:
        await provider.aclose()


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
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--concurrent", type=int, default=16)
    parser.add_argument("--emb-layers", type=int, default=12)
    parser.add_argument("--emb-width", type=int, default=768)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    import torch

    device_name = (
        torch.cuda.get_device_name(0) if args.device.startswith("cuda") and torch.cuda.is_available() else "CPU"
    )
    with tempfile.TemporaryDirectory() as tmp:
        gpt, bert = Path(tmp, "gpt"), Path(tmp, "bert")
        build_gpt(gpt, layers=args.gen_layers, width=args.gen_width, heads=args.gen_heads, context=1024)
        build_bert(bert, args.emb_layers, args.emb_width, max(1, args.emb_width // 64))
        alone = asyncio.run(generation(gpt, args.device, 1, args.concurrent, args.tokens))
        batched = asyncio.run(generation(gpt, args.device, args.concurrent, args.concurrent, args.tokens))
        e_alone = asyncio.run(embeddings(bert, args.device, 1, 64, args.seconds))
        e_batched = asyncio.run(embeddings(bert, args.device, 32, 64, args.seconds))
    rows: list[list[Any]] = [
        [
            f"generation, GPT-2 shape {args.gen_layers}x{args.gen_width}, {args.concurrent} concurrent x {args.tokens} "
            f"tokens: tokens/s",
            f"{alone['tokens_per_s']:,.0f}",
            f"{batched['tokens_per_s']:,.0f}",
            f"{batched['tokens_per_s'] / alone['tokens_per_s']:.2f}x",
        ],
        [
            "generation: a lone request's latency (ms)",
            f"{alone['lone_ms']:.0f}",
            f"{batched['lone_ms']:.0f}",
            f"{batched['lone_ms'] / alone['lone_ms']:.2f}x",
        ],
        [
            f"embeddings, BERT {args.emb_layers}x{args.emb_width}, 64 concurrent: requests/s",
            f"{e_alone['requests_per_s']:,.0f}",
            f"{e_batched['requests_per_s']:,.0f}",
            f"{e_batched['requests_per_s'] / e_alone['requests_per_s']:.2f}x",
        ],
    ]
    lines = ["| measure | one at a time | batched | ratio |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    text = "\n".join(
        [
            "## Local models on a GPU (`bench/local_gpu.py`)",
            "",
            f"In process (the local provider's scheduler and worker thread, no HTTP), on {device_name}; "
            f"torch {torch.__version__}. Random weights; greedy decoding, so both modes produce the same tokens.",
            "",
            *lines,
        ]
    )
    print(text)
    if args.write:
        from bench.common import write_section

        write_section("local_gpu", text)


if __name__ == "__main__":
    main()
