"""Local models: batching vs one request at a time, and worker thread vs worker process.

One run, side by side: for each worker kind (a thread of the gateway, or a child process) a real
`strata serve` subprocess serves two copies of each local model, one that batches (max_batch_size
32 for embeddings, 16 for generation) and one that serves one request at a time (max_batch_size 1),
plus a remote model (the fake upstream, tests/fakes). Measured through the gateway's HTTP API:

- embeddings with all-MiniLM-L6-v2 (the embedded wheel), 64 concurrent clients, short sentences;
- generation with a GPT-2-shaped random-weight model (6 layers, 768 wide, vocabulary 50,257 by
  default), 16 concurrent requests of 32 new tokens (greedy);
- a lone request's latency on the batching copy vs the one-at-a-time copy;
- the event loop: p50 latency of remote-model calls while local generation is saturated, vs idle.

The in-process ceiling (a static batch vs one at a time, no gateway) is measured too.

    .venv/bin/python bench/local_models.py [--workers process thread] [--device cuda --gen-layers 24
        --gen-width 1024 --gen-heads 16] [--no-write]

Without CUDA, ``--device cuda`` falls back to the CPU (and says so).

The load, the models and gateway, and the report: bench/local_models_load.py, _gateway.py, _report.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import write_section  # noqa: E402
from bench.local_models_gateway import MINILM, Gateway, build_generator, catalog  # noqa: E402
from bench.local_models_load import Measures, alternate, drive  # noqa: E402
from bench.local_models_report import report  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

SENTENCES = [f"A short sentence number {i} about the weather today." for i in range(64)]
PROMPT = [{"role": "user", "content": "tell me a story about a little fox who lived in the forest"}]


# ---- measurements ----------------------------------------------------------------------------


def chat_body(model: str, tokens: int) -> dict[str, Any]:
    return {"model": model, "messages": PROMPT, "max_tokens": tokens, "temperature": 0}


async def measure(base: str, args: argparse.Namespace) -> Measures:
    m = Measures(tokens=args.tokens)
    chat, emb = f"{base}/v1/chat/completions", f"{base}/v1/embeddings"
    for name in ("emb-batched", "emb-single", "gen-batched", "gen-single"):  # warm up each model
        await drive(
            emb if name.startswith("emb") else chat,
            {"model": name, "input": SENTENCES[0]} if name.startswith("emb") else chat_body(name, 4),
            1,
            total=2,
        )
    for name in ("emb-batched", "emb-single"):
        m.emb[name] = await drive(emb, {"model": name, "input": SENTENCES[0]}, 64, seconds=args.seconds)
        print(f"  embeddings {name}: {m.emb[name].per_s:,.1f} req/s", flush=True)
    gen_copies = ("gen-batched", "gen-single")
    m.gen = await alternate(
        gen_copies, args.rounds, lambda name: drive(chat, chat_body(name, args.tokens), 16, total=16)
    )
    for name in gen_copies:
        print(f"  generation {name}: {m.gen[name].per_s * args.tokens:,.1f} tokens/s", flush=True)
    m.lone_emb = await alternate(
        ("emb-batched", "emb-single"),
        args.lone,
        lambda name: drive(emb, {"model": name, "input": SENTENCES[1]}, 1, total=10),
    )
    m.lone_gen = await alternate(
        gen_copies, args.lone, lambda name: drive(chat, chat_body(name, args.tokens), 1, total=1)
    )
    print(
        f"  lone p50: emb {m.lone_emb['emb-batched'].p50_ms:.1f} / {m.lone_emb['emb-single'].p50_ms:.1f} ms, "
        f"gen {m.lone_gen['gen-batched'].p50_ms:.0f} / {m.lone_gen['gen-single'].p50_ms:.0f} ms",
        flush=True,
    )
    remote = {"model": "remote", "messages": PROMPT}
    m.remote_idle = await drive(chat, remote, 1, seconds=3)
    saturate = asyncio.ensure_future(drive(chat, chat_body("gen-batched", args.tokens), 16, seconds=args.seconds + 3))
    await asyncio.sleep(2)
    m.remote_busy = await drive(chat, remote, 1, seconds=args.seconds)
    await saturate
    print(f"  remote p50: idle {m.remote_idle.p50_ms:.2f} ms, busy {m.remote_busy.p50_ms:.2f} ms", flush=True)
    return m


def ceiling(generator: Path, device: str, tokens: int) -> dict[str, float]:
    """Static batches in this process, no gateway: the most batching can give on this machine."""
    import torch

    from providers.local.batch import KVBatch, ModelRunner, prefill
    from providers.local.embedder import Embedder
    from providers.local.loading import load_causal_lm, resolve_path
    from providers.local.worker import default_threads

    torch.set_num_threads(default_threads())  # as many as a worker uses
    quiet = lambda *a, **k: None  # noqa: E731
    embedder = Embedder(resolve_path(MINILM), device, "auto", quiet)
    embedder.encode(SENTENCES[:32])
    started = time.perf_counter()
    for sentence in SENTENCES[:32]:
        embedder.encode([sentence])
    single = time.perf_counter() - started
    started = time.perf_counter()
    embedder.encode(SENTENCES[:32])
    batched = time.perf_counter() - started
    lm = load_causal_lm(generator, device, "auto", None, quiet)
    run = ModelRunner(lm.model, lm.device, 0)
    prompt = lm.tokenizer("tell me a story about a little fox", add_special_tokens=False)["input_ids"]

    @torch.inference_mode()
    def generate(rows: int) -> float:
        begin = time.perf_counter()
        batch = KVBatch(run, rows)
        batch.add(prefill(run, [prompt] * rows))
        for _ in range(tokens - 1):
            assert batch.logits is not None
            batch.step(batch.logits.argmax(-1).tolist())
        return time.perf_counter() - begin

    generate(2)
    one, sixteen = generate(1), generate(16)
    return {"emb": single / batched, "gen": 16 * one / sixteen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", nargs="+", default=["process", "thread"], choices=["process", "thread"])
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N (cuda falls back to cpu if absent)")
    parser.add_argument("--gen-layers", type=int, default=6)
    parser.add_argument("--gen-width", type=int, default=768)
    parser.add_argument("--gen-heads", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=32, help="new tokens per generation request")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of 16 generation requests per copy, alternating")
    parser.add_argument(
        "--lone", type=int, default=5, help="lone generation requests per copy, alternating (x10 for embeddings)"
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="duration of the timed embedding runs")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the in-process static-batch ceiling")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    device = args.device
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            print("CUDA is not available here: running on the CPU instead", flush=True)
            device = "cpu"
    started = time.perf_counter()
    results: dict[str, Measures] = {}
    with FakeUpstream() as upstream, tempfile.TemporaryDirectory() as tmp:
        generator = build_generator(Path(tmp, "generator"), args.gen_layers, args.gen_width, args.gen_heads)
        ceilings = {} if args.no_ceiling else ceiling(generator, device, args.tokens)
        print(f"ceiling: {ceilings}", flush=True)
        for kind in args.workers:
            folder = Path(tmp, kind)
            folder.mkdir()
            gateway = Gateway(catalog(upstream.url, generator, kind, device), folder)
            try:
                load_s = gateway.wait_ready()
                print(f"worker {kind}: loaded in {load_s:.0f} s", flush=True)
                results[kind] = asyncio.run(measure(gateway.base, args))
                results[kind].load_s = load_s
            finally:
                gateway.stop()
    text = report(results, ceilings, args, device)
    print(text)
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if not args.no_write:
        write_section("local_models" if device == "cpu" else "local_models_gpu", text)


if __name__ == "__main__":
    main()
