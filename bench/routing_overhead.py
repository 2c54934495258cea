"""What does routing cost, and what survives a failing upstream? Side by side in one run.

1. Overhead: a model with one deployment vs a pool of four (all healthy, weighted routing), through
   the same gateway, at concurrency 1 (median latency) -- alternated over several rounds.
2. Resilience: a second pool of four whose first upstream fails every request (HTTP 500), beside
   the healthy pool in the same gateway, at concurrency 50, alternated over the same rounds:
   success rate and throughput against the healthy pool.

    .venv/bin/python bench/routing_overhead.py [--seconds 4] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

BODY = b'{"model":"%s","messages":[{"role":"user","content":"Say hello in five words"}]}'


def config(api_base: str) -> str:
    def deployment(model: str) -> str:
        return f"      - {{provider: openai, model: {model}, api_base: '{api_base}', api_key: '${{K}}'}}\n"

    pool = "".join(deployment(f"pool-{i}") for i in range(4))
    flaky = "".join(deployment(f"flaky-{i}") for i in range(4))
    return (
        f"models:\n  single:\n    deployments:\n{deployment('single-0')}"
        f"  pool:\n    deployments:\n{pool}  flaky:\n    deployments:\n{flaky}"
    )


def load(url: str, model: str, concurrency: int, seconds: float) -> LoadResult:
    return uvloop.run(run_load(url, BODY % model.encode(), AUTH, concurrency, duration_s=seconds))


def _median_run(runs: list[LoadResult]) -> LoadResult:
    """The round with the median throughput (its latencies come with it)."""
    return sorted(runs, key=lambda r: r.requests_per_s)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with FakeUpstream() as upstream, strata_process(config(upstream.url), {"K": "k"}) as (base, _):
        url = f"{base}/v1/chat/completions"
        upstream.set_behaviour("flaky-0", status=500)
        single: list[float] = []
        pooled: list[float] = []
        healthy_runs: list[LoadResult] = []
        failing_runs: list[LoadResult] = []
        for index in range(args.rounds):
            single.append(load(url, "single", 1, args.seconds).p50_ms or 0.0)
            pooled.append(load(url, "pool", 1, args.seconds).p50_ms or 0.0)
            busy = [("pool", healthy_runs), ("flaky", failing_runs)]
            for model, runs in busy if index % 2 == 0 else busy[::-1]:
                runs.append(load(url, model, 50, args.seconds))
    single_p50, pool_p50 = statistics.median(single), statistics.median(pooled)
    healthy, failing = _median_run(healthy_runs), _median_run(failing_runs)
    success = 1 - sum(r.errors for r in failing_runs) / max(sum(r.requests for r in failing_runs), 1)
    ratio = failing.requests_per_s / healthy.requests_per_s
    rows = [
        ["single deployment, c=1", f"{single_p50:.3f}", "-", "-"],
        ["pool of 4, c=1", f"{pool_p50:.3f}", "-", "-"],
        [
            "pool of 4 healthy, c=50 (median round)",
            f"{healthy.p50_ms:.2f}",
            f"{healthy.requests_per_s:,.0f}",
            f"{1 - sum(r.errors for r in healthy_runs) / max(sum(r.requests for r in healthy_runs), 1):.4%}",
        ],
        [
            "pool of 4, one upstream always 500, c=50 (median round)",
            f"{failing.p50_ms:.2f}",
            f"{failing.requests_per_s:,.0f}",
            f"{success:.4%}",
        ],
    ]
    text = "\n".join(
        [
            "## Routing overhead and resilience (`bench/routing_overhead.py`)",
            "",
            f"Through one gateway (one worker) to the fake upstream. Medians over {args.rounds} rounds of "
            f"{args.seconds:g} s per load, the scenarios alternating within each round; success counts every "
            "request of every round.",
            "",
            markdown_table(["scenario", "p50 ms", "req/s", "success"], rows),
            "",
            f"- routing over a pool of 4 adds **{pool_p50 - single_p50:+.3f} ms** median over a single deployment "
            "(target <= 0.1 ms)",
            f"- with one of 4 upstreams failing every request: **{success:.3%}** succeed (target >= 99.9%), "
            f"throughput **{ratio:.0%}** of the healthy pool (target >= 70%)",
            "",
            machine_line(("fastapi", "uvicorn", "httptools", "tenacity", "uvloop")),
        ]
    )
    print(text)
    if not args.no_write:
        write_section("routing_overhead", text)


if __name__ == "__main__":
    main()
