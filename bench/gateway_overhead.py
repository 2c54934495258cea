"""What does Strata add on top of an upstream? Direct vs through the gateway, side by side.

One run, one machine: the fake upstream (tests/fakes) in its own process, the gateway as a real
`strata serve` subprocess (one worker, access log on, written to a file), and the load generator
(bench/loadgen.py) here. For each concurrency it measures requests/s and latency calling the
fake directly, then through the gateway; for streams, the time to the first chunk. Also the
gateway's CPU time per request (from /proc). Writes its table into BENCHMARKS.md.

    .venv/bin/python bench/gateway_overhead.py [--seconds 5] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, cpu_seconds, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

CHAT = b'{"model":"%s","messages":[{"role":"user","content":"Say hello in five words"}]%s}'
CONFIG = """
models:
  bench-model:
    deployments:
      - provider: openai
        model: fake-model
        api_base: {api_base}
        api_key: ${{BENCH_UPSTREAM_KEY}}
"""


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


def run(seconds: float) -> list[Row]:
    rows: list[Row] = []
    with (
        FakeUpstream() as upstream,
        strata_process(CONFIG.format(api_base=upstream.url), {"BENCH_UPSTREAM_KEY": "upstream-key"}) as (base, pid),
    ):
        direct_url = f"{upstream.url}/chat/completions"
        gateway_url = f"{base}/v1/chat/completions"
        for kind, extra, stream in (("chat", b"", False), ("chat stream", b',"stream":true', True)):
            for concurrency in (1, 10, 50):
                direct = _measure(direct_url, CHAT % (b"fake-model", extra), {}, concurrency, seconds, stream)
                before = cpu_seconds(pid)
                through = _measure(gateway_url, CHAT % (b"bench-model", extra), AUTH, concurrency, seconds, stream)
                cpu = (cpu_seconds(pid) - before) * 1000 / max(through.requests, 1)
                rows.append(Row(kind, concurrency, direct, through, cpu))
                print(f"{kind:12s} c={concurrency:<3d} direct: {direct}\n{'':18s}gateway: {through}", flush=True)
    return rows


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
            "The fake upstream called directly vs through Strata (one worker, access log on), same machine, "
            "same run. Latencies in ms: p50 / p99 (for streams: time to the first chunk). "
            "`cpu/req` is the gateway process's CPU time per request.",
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
            machine_line(("fastapi", "uvicorn", "aiohttp", "pydantic", "orjson", "uvloop")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    started = time.perf_counter()
    text = report(run(args.seconds))
    print(text)
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if not args.no_write:
        write_section("gateway_overhead", text)


if __name__ == "__main__":
    main()
