"""Converse vs the OpenAI endpoint through Strata: what does the Bedrock surface cost?

One run, one machine, one load generator (bench/loadgen.py): the fake upstream (tests/fakes) in
its own process and one `strata serve` worker (bench/harness.py, as bench/gateway_overhead.py
uses it). For each concurrency, side by side and interleaved (so drift hits both alike): the
upstream called directly, `POST /v1/chat/completions`, and `POST /model/{id}/converse`; then the
streaming variants (`"stream": true` and `/converse-stream`), timed to the first chunk. Each
cell runs several rounds; a ratio is the median of the rounds' paired ratios (each Converse
round against the same round's OpenAI cell; the order of the cells rotates from round to
round), which a busy machine disturbs least.

Converse is authenticated with ``Authorization: Bearer <key>`` over plain HTTP (botocore sends a
bearer key only over HTTPS; the gateway accepts it either way), so both surfaces pay the same
for authentication. A SigV4 row replays one request signed by botocore (valid for 5 minutes)
to show what verifying a signature adds. Writes its section into BENCHMARKS.md.

    .venv/bin/python bench/bedrock_overhead.py [--seconds 5] [--rounds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, KEY, ONE_MODEL_CONFIG, cpu_seconds, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

PROMPT = b"Say hello in five words"
CHAT = b'{"model":"%s","messages":[{"role":"user","content":"' + PROMPT + b'"}]%s}'
CONVERSE = b'{"messages":[{"role":"user","content":[{"text":"' + PROMPT + b'"}]}]}'
CONFIG = ONE_MODEL_CONFIG
CONCURRENCY = (1, 10, 50)
SETTLE_S = 0.5  # between cells, for the gateway's background work to drain


@dataclass
class Measured:
    result: LoadResult
    cpu_ms: float | None  # the gateway's CPU per request; None for the direct calls


@dataclass
class Row:
    kind: str  # "non-streaming" | "streaming"
    concurrency: int
    direct: list[Measured]
    openai: list[Measured]
    converse: list[Measured]
    sigv4: list[Measured]

    @staticmethod
    def median(runs: list[Measured]) -> Measured:
        return sorted(runs, key=lambda m: m.result.requests_per_s)[len(runs) // 2]

    @staticmethod
    def ratio(runs: list[Measured], base: list[Measured]) -> float:
        """The median of paired (same-round) throughput ratios."""
        return statistics.median(
            m.result.requests_per_s / b.result.requests_per_s for m, b in zip(runs, base, strict=True)
        )


def _load(url: str, body: bytes, headers: dict[str, str], concurrency: int, seconds: float, stream: bool) -> LoadResult:
    result = uvloop.run(run_load(url, body, headers, concurrency, duration_s=seconds, stream=stream))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors against {url}: {result.statuses}")
    return result


def _measure(pid: int | None, *args: object) -> Measured:
    before = cpu_seconds(pid) if pid is not None else 0.0
    result = _load(*args)  # type: ignore[arg-type]
    cpu = (cpu_seconds(pid) - before) * 1000 / max(result.requests, 1) if pid is not None else None
    return Measured(result, cpu)


def sigv4_headers(url: str, body: bytes) -> dict[str, str]:
    """Headers of one request signed by botocore with the master key (key id ``master``)."""
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials("master", KEY), "bedrock", "us-east-1").add_auth(request)
    return {k: v for k, v in request.headers.items() if k.lower() != "host"}


def run(seconds: float, rounds: int) -> list[Row]:
    rows: list[Row] = []
    env = {"BENCH_UPSTREAM_KEY": "upstream-key"}
    with FakeUpstream() as upstream, strata_process(CONFIG.format(api_base=upstream.url), env) as (base, pid):
        direct_url = f"{upstream.url}/chat/completions"
        openai_url = f"{base}/v1/chat/completions"
        for kind, extra, suffix, stream in (
            ("non-streaming", b"", "converse", False),
            ("streaming", b',"stream":true', "converse-stream", True),
        ):
            converse_url = f"{base}/model/bench-model/{suffix}"
            for concurrency in CONCURRENCY:
                cells = {
                    "direct": (None, direct_url, CHAT % (b"fake-model", extra), {}),
                    "openai": (pid, openai_url, CHAT % (b"bench-model", extra), AUTH),
                    "converse": (pid, converse_url, CONVERSE, AUTH),
                }
                if not stream:
                    cells["sigv4"] = (pid, converse_url, CONVERSE, {})  # signed afresh each round
                runs: dict[str, list[Measured]] = {"direct": [], "openai": [], "converse": [], "sigv4": []}
                for round_ in range(rounds):
                    # Rotate the order: a cell inherits what the gateway still does in the background for
                    # the one before it (the usage writer's batches), so no surface always goes second.
                    names = list(cells)
                    names = names[round_ % len(names) :] + names[: round_ % len(names)]
                    for name in names:
                        cell_pid, url, body, headers = cells[name]
                        if name == "sigv4":
                            headers = sigv4_headers(url, body)
                        time.sleep(SETTLE_S)
                        runs[name].append(_measure(cell_pid, url, body, headers, concurrency, seconds, stream))
                row = Row(kind, concurrency, runs["direct"], runs["openai"], runs["converse"], runs["sigv4"])
                rows.append(row)
                for name in ("direct", "openai", "converse", "sigv4"):
                    if runs[name]:
                        print(f"{kind:14s} c={concurrency:<3d} {name:9s} {Row.median(runs[name]).result}", flush=True)
    return rows


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _latency(m: Measured, stream: bool) -> str:
    r = m.result
    return f"{_fmt(r.ttfb_p50_ms if stream else r.p50_ms)} / {_fmt(r.ttfb_p99_ms if stream else r.p99_ms)}"


def _line(label: str, row: Row, runs: list[Measured]) -> list[str]:
    stream = row.kind == "streaming"
    m = Row.median(runs)
    vs_openai = "1.00" if runs is row.openai else f"{Row.ratio(runs, row.openai):.2f}"
    vs_direct = "1.00" if runs is row.direct else f"{Row.ratio(runs, row.direct):.2f}"
    return [
        label,
        str(row.concurrency),
        f"{m.result.requests_per_s:,.0f}",
        "-" if runs is row.direct else vs_openai,
        vs_direct,
        _latency(m, stream),
        _fmt(m.cpu_ms),
    ]


def report(rows: list[Row], seconds: float, rounds: int) -> str:
    table: list[list[str]] = []
    for row in rows:
        stream = row.kind == "streaming"
        table.append(_line(f"upstream direct ({row.kind})", row, row.direct))
        table.append(_line("OpenAI chat stream" if stream else "OpenAI chat", row, row.openai))
        table.append(_line("ConverseStream (bearer)" if stream else "Converse (bearer)", row, row.converse))
        if row.sigv4:
            table.append(_line("Converse (SigV4)", row, row.sigv4))
    worst = min(Row.ratio(r.converse, r.openai) for r in rows if r.kind == "non-streaming")
    worst_stream = min(Row.ratio(r.converse, r.openai) for r in rows if r.kind == "streaming")
    verdict = "met" if worst >= 0.8 else "NOT met"
    return "\n".join(
        [
            "## Bedrock surface overhead (`bench/bedrock_overhead.py`)",
            "",
            "Converse and ConverseStream vs the OpenAI endpoint, through the same one-worker Strata (access log on), "
            "against the same fake upstream, with the same load generator, interleaved in one run "
            f"({rounds} rounds of {seconds:g} s per cell). req/s, latencies and `cpu/req` are the median round's; "
            "`vs OpenAI` / `vs direct` are the medians of the rounds' paired throughput ratios. Latencies in ms are "
            "p50 / p99 (streams: time to the first chunk); `cpu/req` is the gateway's CPU time per request. "
            "Converse authenticates with `Authorization: Bearer` over plain HTTP (the gateway accepts it; only "
            "botocore insists on HTTPS for bearer keys), so both surfaces pay the same for authentication; the "
            "SigV4 row replays one request that botocore signed.",
            "",
            markdown_table(["call", "conc.", "req/s", "vs OpenAI", "vs direct", "p50 / p99 ms", "cpu/req ms"], table),
            "",
            f"- Converse's throughput relative to the OpenAI endpoint, worst concurrency: **{worst:.2f}** "
            f"(target >= 0.80: {verdict}); ConverseStream: **{worst_stream:.2f}**",
            f"- load average when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
            "",
            machine_line(("fastapi", "uvicorn", "httptools", "pydantic", "orjson", "uvloop", "botocore")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    started = time.perf_counter()
    text = report(run(args.seconds, args.rounds), args.seconds, args.rounds)
    print(text)
    print(f"(took {time.perf_counter() - started:.0f} s)")
    if not args.no_write:
        write_section("bedrock_overhead", text)


if __name__ == "__main__":
    main()
