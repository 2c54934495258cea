"""What do limits cost per request? A model without limits vs one with model-level rpm + tpm limits,
side by side through the same gateway build, with the in-process store and with Redis.

Three `strata serve` processes (one worker each) over the same catalog and the same fake upstream:
one without `STRATA_REDIS_URL` (in-process limits), one with it (limits as Lua scripts in Redis,
taking capacity ahead so most calls need no round trip), and one with Redis asked on every call
(`STRATA_QUOTA_PREFETCH_CALLS=0`: one EVALSHA to reserve, one to settle). The limits are far too
high to refuse anything, so every request pays the full reserve + settle path. Per round and
scenario: concurrency 1 (median latency), then concurrency 50 (throughput, and the gateway
process's CPU per request, which a busy shared machine disturbs far less than latency).

    .venv/bin/python bench/quotas_overhead.py [--seconds 3] [--rounds 3] [--redis-url URL] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop  # noqa: E402
import yaml  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, cpu_seconds, redis_available, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from gateway.config.catalog import parse_catalog  # noqa: E402
from gateway.services.catalog import ModelCatalog  # noqa: E402
from gateway.services.context import CallContext, Principal  # noqa: E402
from gateway.services.pricing import PriceTable  # noqa: E402
from gateway.services.quotas import QuotaService  # noqa: E402
from gateway.services.quotas.resp import RespClient  # noqa: E402
from providers.base import ProviderResources  # noqa: E402
from providers.canonical import ChatCompletionRequest  # noqa: E402
from providers.http import HttpClients  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

BODY = b'{"model":"%s","messages":[{"role":"user","content":"Say hello in five words"}],"max_tokens":16}'
QUIET_S = 1.5
HUGE = {"rpm": 1_000_000_000, "tpm": 1_000_000_000_000}


def config(api_base: str, limited: str) -> str:
    deployments = [{"provider": "openai", "model": "m", "api_base": api_base, "api_key": "${K}"}]
    models = {"free": {"deployments": deployments}, limited: {"limits": HUGE, "deployments": deployments}}
    return yaml.safe_dump({"models": models})


@dataclass
class Results:
    """Per scenario ("memory/free", ...), one sample per round."""

    p50: dict[str, list[float]] = field(default_factory=dict)  # ms at c=1
    rps: dict[str, list[float]] = field(default_factory=dict)  # at c=50
    cpu: dict[str, list[float]] = field(default_factory=dict)  # gateway CPU us per request, at c=50
    stage: dict[str, tuple[float, float]] = field(default_factory=dict)  # the quota stage alone
    round_trip_us: float | None = None  # one Redis PING, for scale

    def add(self, key: str, p50: float, rps: float, cpu: float) -> None:
        for table, value in ((self.p50, p50), (self.rps, rps), (self.cpu, cpu)):
            table.setdefault(key, []).append(value)

    def median(self, table: dict[str, list[float]], key: str) -> float:
        return statistics.median(table[key])


def load(url: str, model: str, concurrency: int, seconds: float) -> LoadResult:
    result = uvloop.run(run_load(url, BODY % model.encode(), AUTH, concurrency, duration_s=seconds))
    if result.errors:
        raise SystemExit(f"{model} at c={concurrency}: {result.errors} errors ({result.statuses})")
    return result


# store name -> (uses Redis, STRATA_QUOTA_PREFETCH_CALLS)
STORES = {"memory": (False, 16), "redis": (True, 16), "redis-each-call": (True, 0)}


def stage_cost(redis_url: str | None, prefetch_calls: int, calls: int = 5000) -> tuple[float, float]:
    """(CPU us, wall us) per reserve + settle of the quota stage alone, in this process: the part of
    the pipeline this work adds, measured without the HTTP noise around it."""
    models = ModelCatalog(
        parse_catalog(config("http://127.0.0.1:9/v1", "limited"), "b.yaml", {"K": "k"}),
        ProviderResources(HttpClients()),
        0,
    )
    quotas = QuotaService(models, PriceTable(models, table={}), redis_url=redis_url, prefetch_calls=prefetch_calls)
    model = models.get("limited")
    request = ChatCompletionRequest.model_validate_json(BODY % b"limited")
    principal = Principal(key_id="bench")

    async def run() -> tuple[float, float]:
        await quotas.start()
        try:
            for warm in (True, False):
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(200 if warm else calls):
                    call = CallContext(request_id="b", surface="openai", model="limited")
                    held = await quotas.reserve_chat(call, principal, model, request)
                    call.prompt_tokens, call.completion_tokens = 8, 5
                    await quotas.settle(call, held)
            if quotas.redis is not None:
                await quotas.redis.drain()
            return (time.process_time() - cpu) / calls * 1e6, (time.perf_counter() - wall) / calls * 1e6
        finally:
            await quotas.aclose()

    return uvloop.run(run())


def redis_round_trip_us(url: str, pings: int = 2000) -> float:
    """Median PING round trip from this process: what one Redis step costs on this machine."""

    async def run() -> float:
        client = RespClient(url)
        samples = []
        try:
            for _ in range(pings):
                started = time.perf_counter()
                await client.call("PING")
                samples.append(time.perf_counter() - started)
        finally:
            await client.aclose()
        return statistics.median(samples) * 1e6

    return uvloop.run(run())


def measure(args: argparse.Namespace) -> tuple[Results, list[str]]:
    limited = f"limited-{uuid.uuid4().hex[:6]}"  # fresh Redis counters for every run
    results = Results()
    stores = list(STORES) if redis_available(args.redis_url) else ["memory"]
    for store in stores:
        shared, prefetch = STORES[store]
        results.stage[store] = stage_cost(args.redis_url if shared else None, prefetch)
    if "redis" in stores:
        results.round_trip_us = redis_round_trip_us(args.redis_url)
    with FakeUpstream() as upstream, ExitStack() as stack:
        gateways: dict[str, tuple[str, int]] = {}
        for store in stores:
            shared, prefetch = STORES[store]
            env = {"K": "k", "STRATA_LOG_LEVEL": "warning", "STRATA_QUOTA_PREFETCH_CALLS": str(prefetch)}
            if shared:
                env["STRATA_REDIS_URL"] = args.redis_url
            base, pid = stack.enter_context(strata_process(config(upstream.url, limited), env))
            gateways[store] = (f"{base}/v1/chat/completions", pid)
        kinds = [("free", "free"), ("limited", limited)]
        for round_ in range(args.rounds):  # alternate, so drift on a busy machine hits every case alike
            order = kinds if round_ % 2 == 0 else kinds[::-1]
            p50s = {
                f"{store}/{kind}": load(url, model, 1, args.seconds).p50_ms or 0.0
                for store, (url, _) in gateways.items()
                for kind, model in order
            }
            for store, (url, pid) in gateways.items():
                for kind, model in order:
                    before = cpu_seconds(pid)
                    busy = load(url, model, 50, args.seconds)
                    cpu_us = (cpu_seconds(pid) - before) / max(busy.requests, 1) * 1e6
                    results.add(f"{store}/{kind}", p50s[f"{store}/{kind}"], busy.requests_per_s, cpu_us)
                    # Let background work the burst left (the usage writer's batch) finish before
                    # the next measurement, so no scenario pays for another's.
                    time.sleep(QUIET_S)
    return results, stores


def report(results: Results, stores: list[str], args: argparse.Namespace) -> str:
    rows = []
    for store in stores:
        for kind in ("free", "limited"):
            key = f"{store}/{kind}"
            label = f"{'no limits' if kind == 'free' else 'rpm + tpm limits'}, {store} store"
            rows.append(
                [
                    label,
                    f"{results.median(results.p50, key):.3f}",
                    f"{results.median(results.rps, key):,.0f}",
                    f"{results.median(results.cpu, key):,.0f}",
                ]
            )
    lines = [
        "## Quota overhead (`bench/quotas_overhead.py`)",
        "",
        f"Three gateway processes (one worker each, the same build and catalog) over one fake upstream: one "
        f"enforcing limits in process, one through Redis (`{args.redis_url}`) taking capacity ahead (the default), "
        "one through Redis asking on every call (`redis-each-call`: `STRATA_QUOTA_PREFETCH_CALLS=0`). "
        "`limited` has model-level rpm and "
        f"tpm limits too high to refuse, so each call reserves and settles; `free` has none (the fast path). "
        f"Medians over {args.rounds} alternating rounds of {args.seconds:g} s per load; CPU is the gateway "
        "process's own (user + system) per request at c=50 (Redis's own CPU is not in it).",
        "",
        markdown_table(["scenario", "p50 ms (c=1)", "req/s (c=50)", "gateway CPU us/req (c=50)"], rows),
        "",
    ]
    for store in stores:
        cpu, wall = results.stage[store]
        lines.append(
            f"- the quota stage alone ({store} store; reserve + settle, rpm + tpm, 5,000 calls in one process): "
            f"**{cpu:.0f} us** of CPU and **{wall:.0f} us** of wall time per call"
        )
    for store in stores:
        free, limited = f"{store}/free", f"{store}/limited"
        added = results.median(results.p50, limited) - results.median(results.p50, free)
        cpu = results.median(results.cpu, limited) - results.median(results.cpu, free)
        kept = results.median(results.rps, limited) / results.median(results.rps, free)
        lines.append(
            f"- {store} store: limits add **{added * 1000:+.0f} us** median latency and **{cpu:+.0f} us** of "
            f"gateway CPU per request (target for keys + quotas + accounting together: <= 300 us); "
            f"throughput with limits is **{kept:.0%}** of without"
        )
    if results.round_trip_us is not None:
        lines.append(
            f"- for scale: one Redis PING round trip from a process calling in a loop takes "
            f"**{results.round_trip_us:.0f} us**; asking on every call needs one per reservation (the "
            "settlement is written without waiting), taking 16 calls' worth ahead about one per 17 calls"
        )
    if "redis" in stores:
        for store in stores[1:]:
            ratio = results.median(results.rps, f"{store}/limited") / results.median(results.rps, "memory/limited")
            lines.append(
                f"- {store}: limits keep **{ratio:.0%}** of in-process limited throughput "
                "(target for Redis + PostgreSQL, accounting included: >= 60%)"
            )
        each, ahead = "redis-each-call/limited", "redis/limited"
        lines.append(
            "- taking capacity ahead vs asking on every call (same run): p50 at c=1 "
            f"**{results.median(results.p50, each) / results.median(results.p50, ahead):.2f}x** lower, "
            f"throughput at c=50 **{results.median(results.rps, ahead) / results.median(results.rps, each):.2f}x**"
        )
    else:
        lines.append(f"- Redis at {args.redis_url} was not reachable: Redis rows skipped")
    lines += ["", machine_line(("fastapi", "uvicorn", "httptools", "uvloop"))]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results, stores = measure(args)
    text = report(results, stores, args)
    print(text)
    if not args.no_write:
        write_section("quotas_overhead", text)


if __name__ == "__main__":
    main()
