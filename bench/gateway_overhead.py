"""What does Strata add on top of an upstream? Direct vs through the gateway, side by side.

One run, one machine: the fake upstream (tests/fakes) in its own process, the gateway as a real
`strata serve` subprocess (one worker, access log on, written to a file), and the load generator
(bench/loadgen.py) here. For each concurrency it measures requests/s and latency calling the
fake directly, then through the gateway; for streams, the time to the first chunk. Also the
gateway's CPU time per request (from /proc).

The Core rows measure the bare pipeline: the master key, no limits, the usage ledger off. The
tenancy rows put keys, quotas and accounting on (a virtual key with limits, a model with limits,
one usage record per call), first on the embedded default (SQLite, in-process limits), then on
PostgreSQL + Redis, in alternating rounds beside the bare pipeline. Writes its tables into
BENCHMARKS.md.

    .venv/bin/python bench/gateway_overhead.py [--seconds 5] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import cpu_seconds, redis_available  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from bench.tenancy_setup import EMBEDDED, REDIS_URL, SHARED, Gateway, gateways  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402
from tests.support import postgres  # noqa: E402

CHAT = b'{"model":"%s","messages":[{"role":"user","content":"Say hello in five words"}]%s}'
QUIET_S = 1.0  # after a tenancy load: the usage writer finishes its batch before the next one


@dataclass
class Row:
    kind: str
    concurrency: int
    direct: LoadResult
    gateway: LoadResult
    cpu_ms: float | None


def _measure(
    url: str, body: bytes, headers: dict[str, str], concurrency: int, seconds: float, stream: bool
) -> LoadResult:
    result = uvloop.run(run_load(url, body, headers, concurrency, duration_s=seconds, stream=stream))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors against {url}: {result.statuses}")
    return result


@dataclass
class TenancyRound:
    p50_ms: dict[str, float]  # concurrency 1
    rps: dict[str, float]  # concurrency 50
    cpu_us: dict[str, float]  # gateway CPU per request at concurrency 50


def core_rows(upstream_url: str, bare: Gateway, seconds: float) -> list[Row]:
    rows: list[Row] = []
    direct_url = f"{upstream_url}/chat/completions"
    for kind, extra, stream in (("chat", b"", False), ("chat stream", b',"stream":true', True)):
        for concurrency in (1, 10, 50):
            direct = _measure(direct_url, CHAT % (b"fake-model", extra), {}, concurrency, seconds, stream)
            before = cpu_seconds(bare.pid)
            through = _measure(bare.url, CHAT % (b"bench-model", extra), bare.headers, concurrency, seconds, stream)
            cpu = (cpu_seconds(bare.pid) - before) * 1000 / max(through.requests, 1)
            rows.append(Row(kind, concurrency, direct, through, cpu))
            print(f"{kind:12s} c={concurrency:<3d} direct: {direct}\n{'':18s}gateway: {through}", flush=True)
    return rows


def tenancy_rounds(found: list[Gateway], seconds: float, rounds: int) -> list[TenancyRound]:
    """Alternating rounds, so drift on a shared machine hits every set-up alike."""
    body = CHAT % (b"bench-model", b"")
    results = []
    for index in range(rounds):
        order = found if index % 2 == 0 else found[::-1]
        p50 = {g.name: _measure(g.url, body, g.headers, 1, seconds, False).p50_ms or 0.0 for g in order}
        rps, cpu = {}, {}
        for gateway in order:
            before = cpu_seconds(gateway.pid)
            busy = _measure(gateway.url, body, gateway.headers, 50, seconds, False)
            cpu[gateway.name] = (cpu_seconds(gateway.pid) - before) * 1e6 / max(busy.requests, 1)
            rps[gateway.name] = busy.requests_per_s
            time.sleep(QUIET_S)
        results.append(TenancyRound(p50, rps, cpu))
        print(f"round {index + 1}: p50 {p50}, req/s {rps}", flush=True)
    return results


def run(seconds: float, rounds: int, breakdown: bool, core: bool) -> tuple[list[Row], list[TenancyRound], list[str]]:
    shared, why = postgres.available()
    if shared and not redis_available(REDIS_URL):
        shared, why = False, f"Redis at {REDIS_URL} is not answering"
    with FakeUpstream() as upstream, gateways(upstream.url, shared, breakdown) as found:
        rows = core_rows(upstream.url, found[0], seconds) if core else []
        tenancy = tenancy_rounds(found, seconds, rounds)
    return rows, tenancy, [g.name for g in found] + ([] if shared else [f"(PostgreSQL + Redis skipped: {why})"])


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(rows: list[Row]) -> str:
    table = []
    for row in rows:
        d, g = row.direct, row.gateway
        stream = row.kind.endswith("stream")
        d50, g50 = (d.ttfb_p50_ms, g.ttfb_p50_ms) if stream else (d.p50_ms, g.p50_ms)
        added = None if d50 is None or g50 is None else g50 - d50
        table.append(
            [
                row.kind,
                str(row.concurrency),
                f"{d.requests_per_s:,.0f}",
                f"{g.requests_per_s:,.0f}",
                f"{g.requests_per_s / d.requests_per_s:.2f}",
                f"{_fmt(d50)} / {_fmt(d.ttfb_p99_ms if stream else d.p99_ms)}",
                f"{_fmt(g50)} / {_fmt(g.ttfb_p99_ms if stream else g.p99_ms)}",
                _fmt(added),
                _fmt(row.cpu_ms),
            ]
        )
    chat = [r for r in rows if r.kind == "chat"]
    streams = [r for r in rows if r.kind == "chat stream"]
    added_c1 = chat[0].gateway.p50_ms - chat[0].direct.p50_ms  # type: ignore[operator]
    best = max(r.gateway.requests_per_s for r in chat)
    ttft_c1 = streams[0].gateway.ttfb_p50_ms - streams[0].direct.ttfb_p50_ms  # type: ignore[operator]
    checks = [
        f"- added p50 latency at concurrency 1: **{added_c1:.2f} ms** (target <= 1 ms)",
        f"- best non-streaming throughput through the gateway: **{best:,.0f} req/s** (target >= 1,500)",
        f"- streaming time-to-first-chunk overhead at concurrency 1: **{ttft_c1:.2f} ms** (target <= 2 ms)",
    ]
    return "\n".join(
        [
            "## Gateway overhead (`bench/gateway_overhead.py`)",
            "",
            "The fake upstream called directly vs through Strata's bare pipeline (one worker, access log on, "
            "master key, no limits, usage ledger off), same machine, same run. Latencies in ms: p50 / p99 "
            "(for streams: time to the first chunk). `cpu/req` is the gateway process's CPU time per request.",
            "",
            markdown_table(
                [
                    "call",
                    "conc.",
                    "direct req/s",
                    "Strata req/s",
                    "ratio",
                    "direct p50/p99",
                    "Strata p50/p99",
                    "added p50",
                    "cpu/req ms",
                ],
                table,
            ),
            "",
            *checks,
            "",
            machine_line(("fastapi", "uvicorn", "httptools", "pydantic", "orjson", "uvloop", "asyncpg")),
        ]
    )


def tenancy_report(rounds: list[TenancyRound], names: list[str], seconds: float) -> str:
    setups = [n for n in names if not n.startswith("(")]
    notes = [n for n in names if n.startswith("(")]

    def median(table: str, name: str) -> float:
        return statistics.median(getattr(r, table)[name] for r in rounds)

    bare_p50, bare_rps = median("p50_ms", "bare"), median("rps", "bare")
    rows = []
    for name in setups:
        label = "bare pipeline" if name == "bare" else f"keys + quotas + accounting, {name}"
        added = "-" if name == "bare" else f"{(median('p50_ms', name) - bare_p50) * 1000:+.0f}"
        rows.append(
            [
                label,
                f"{median('p50_ms', name):.3f}",
                added,
                f"{median('rps', name):,.0f}",
                f"{median('rps', name) / bare_rps:.2f}",
                f"{median('cpu_us', name):,.0f}",
            ]
        )
    checks = []
    for name in setups[1:]:
        added_us = (median("p50_ms", name) - bare_p50) * 1000
        checks.append(
            f"- {name}: keys + quotas + accounting add **{added_us:+.0f} us** median at c=1 (target <= 300 us)"
        )
    if SHARED in setups and EMBEDDED in setups:
        ratio = median("rps", SHARED) / median("rps", EMBEDDED)
        checks.append(f"- {SHARED} keeps **{ratio:.0%}** of the {EMBEDDED} throughput at c=50 (target >= 60%)")
    return "\n".join(
        [
            "### With keys, quotas and accounting on",
            "",
            "Beside the bare pipeline, in the same run: a virtual key made through the admin API with its own "
            "rpm / tpm limits, a model with model-level limits (all far too high to refuse), and the usage ledger "
            "on (one record per call, written in batches off the request path). Medians over "
            f"{len(rounds)} alternating rounds of {seconds:g} s per load; CPU is the gateway process's own "
            "(PostgreSQL's and Redis's are not in it).",
            "",
            markdown_table(
                ["set-up", "p50 ms (c=1)", "added us", "req/s (c=50)", "vs bare", "gateway CPU us/req (c=50)"],
                rows,
            ),
            "",
            *checks,
            *notes,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of the tenancy rows")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--breakdown", action="store_true", help="add SQLite + Redis and PostgreSQL + in-process rows")
    parser.add_argument("--tenancy-only", action="store_true", help="skip the Core rows (implies --no-write)")
    args = parser.parse_args()
    started = time.perf_counter()
    rows, tenancy, names = run(args.seconds, args.rounds, args.breakdown, not args.tenancy_only)
    if args.tenancy_only:
        print(tenancy_report(tenancy, names, args.seconds))
        print(f"(took {time.perf_counter() - started:.0f} s)")
        return
    core = report(rows)
    machine = core.rsplit("\n", 1)[1]
    text = core.rsplit("\n", 1)[0] + "\n" + tenancy_report(tenancy, names, args.seconds) + "\n\n" + machine
    print(text)
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if not args.no_write:
        write_section("gateway_overhead", text)


if __name__ == "__main__":
    main()
