"""What does an exact-cache hit cost? The same run, side by side, at concurrency 1.

Two `strata serve` processes (one worker each, access log on) over the fake upstream, each with
public models ``plain`` (no cache), ``cached`` (``cache: {mode: exact}``) and ``echo`` (the
built-in echo provider: the whole pipeline with no upstream at all, the "bare pipeline"). One
process keeps answers in process; the other has STRATA_REDIS_URL set, so its lookups are one Redis
GET. Every ``cached`` request is the same (temperature 0), so after the first it is a hit that never
reaches the upstream; the ``miss`` row makes every request unique, so each pays a lookup and a store
on top of the model call. Rounds alternate the order of the rows.

Reported per round, p50 in ms. "Added by a hit" is the hit's p50 less the bare pipeline's (``echo``):
what answering from the cache costs beyond authenticating, resolving and rendering a call, as the
benchmark targets state it (<= 0.3 ms in process, <= 0.6 ms with Redis). A miss is compared with
``plain``: the cache's cost to calls it cannot answer.

    .venv/bin/python bench/cache_overhead.py [--seconds 5] [--rounds 5] [--redis-url URL] [--write]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402
import yaml  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, redis_available, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

ROWS = ("direct", "echo", "plain", "memory miss", "memory hit", "redis miss", "redis hit")
MISS = b"miss"  # stands for unique(): every request a new one
QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one short sentence."}]


def catalog(api_base: str) -> str:
    deployment = {"provider": "openai", "model": "fake-model", "api_base": api_base, "api_key": "${BENCH_UPSTREAM_KEY}"}
    models = {
        "plain": {"deployments": [deployment]},
        "cached": {"deployments": [dict(deployment)], "cache": {"mode": "exact", "ttl_s": 3600}},
        "echo": {"deployments": [{"provider": "echo"}]},
    }
    return yaml.safe_dump({"models": models})


def body(model: str) -> bytes:
    return json.dumps({"model": model, "messages": QUESTION, "temperature": 0}).encode()


def unique(_: int) -> bytes:
    """A request no earlier one matched, in any round or run: a miss, then a store."""
    question = [{"role": "user", "content": f"What is the capital of France? Request {next(SERIAL)} {RUN}."}]
    return json.dumps({"model": "cached", "messages": question, "temperature": 0}).encode()


RUN = os.urandom(4).hex()  # a rerun against the same Redis misses too
SERIAL = itertools.count()


def measure(url: str, payload: bytes, seconds: float) -> LoadResult:
    vary = unique if payload == MISS else None
    result = uvloop.run(run_load(url, payload, AUTH, 1, duration_s=seconds, vary=vary))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors: {result.statuses}")
    return result


def p50(result: LoadResult) -> float:
    return result.p50_ms or 0.0


def run(seconds: float, rounds: int, redis_url: str | None) -> list[dict[str, float]]:
    env = {"BENCH_UPSTREAM_KEY": "upstream-key", "STRATA_USAGE_RECORDS": "false"}
    with FakeUpstream() as upstream, ExitStack() as stack:
        memory, _ = stack.enter_context(strata_process(catalog(upstream.url), env))
        targets = {
            "direct": (f"{upstream.url}/chat/completions", body("fake-model")),
            "echo": (f"{memory}/v1/chat/completions", body("echo")),
            "plain": (f"{memory}/v1/chat/completions", body("plain")),
            "memory miss": (f"{memory}/v1/chat/completions", MISS),
            "memory hit": (f"{memory}/v1/chat/completions", body("cached")),
        }
        if redis_url is not None:
            redis_env = {**env, "STRATA_REDIS_URL": redis_url}
            shared, _ = stack.enter_context(strata_process(catalog(upstream.url), redis_env))
            targets["redis miss"] = (f"{shared}/v1/chat/completions", MISS)
            targets["redis hit"] = (f"{shared}/v1/chat/completions", body("cached"))
        for url, payload in targets.values():  # warm up: connections, and each cache's first (stored) answer
            measure(url, payload, 0.5)
        found = []
        for index in range(rounds):
            names = list(targets) if index % 2 == 0 else list(reversed(targets))
            results = {name: p50(measure(*targets[name], seconds)) for name in names}
            found.append(results)
            print(f"round {index + 1}: " + ", ".join(f"{n} {results[n]:.3f} ms" for n in targets), flush=True)
    return found


def report(rounds: list[dict[str, float]]) -> str:
    names = [n for n in ROWS if n in rounds[0]]
    median = {n: statistics.median(r[n] for r in rounds) for n in names}
    bare = median["echo"]
    table = markdown_table(
        ["round", *(f"{n} p50" for n in names)],
        [[str(i + 1), *(f"{r[n]:.3f}" for n in names)] for i, r in enumerate(rounds)],
    )
    lines = [
        "## Response cache overhead (`bench/cache_overhead.py`)",
        "",
        "One gateway process per store (one worker, access log on, usage records off) over the fake "
        "upstream, concurrency 1, the same temperature-0 request every time (misses: a new one every time); "
        "alternating rounds. p50 in ms.",
        "",
        table,
        "",
        f"- the bare pipeline (echo, no upstream) answers in {bare:.3f} ms; a call to the fake model "
        f"in {median['plain']:.3f} ms (the upstream alone: {median['direct']:.3f} ms)",
    ]
    for name, target in (("memory hit", 0.3), ("redis hit", 0.6)):
        if name in median:
            added = median[name] - bare
            lines.append(
                f"- {name}: p50 {median[name]:.3f} ms, **{added:+.3f} ms** over the bare pipeline "
                f"(target <= {target} ms); {median[name] / median['plain']:.2f}x the time of a call to the model"
            )
    for name in ("memory miss", "redis miss"):
        if name in median:
            lines.append(f"- {name}: {median[name] - median['plain']:+.3f} ms over the same call without a cache")
    lines += ["", machine_line(("orjson", "pydantic", "uvicorn", "redis"))]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--write", action="store_true", help="write the section into BENCHMARKS.md")
    args = parser.parse_args()
    redis_url = args.redis_url if redis_available(args.redis_url) else None
    if redis_url is None:
        print(f"no Redis at {args.redis_url}: the Redis row is left out", flush=True)
    text = report(run(args.seconds, args.rounds, redis_url))
    print(text)
    if args.write:
        write_section("Response cache overhead", text)


if __name__ == "__main__":
    main()
