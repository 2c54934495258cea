"""What do metrics, traces and invocation logs cost a request? Side by side, on and off, one run.

Four `strata serve` processes (one worker each, access log on, usage ledger on) over the same fake
upstream, differing only in what observes them:

- ``off``: ``STRATA_METRICS=false``, no OTLP endpoint: no recorder, no tracer;
- ``metrics``: the default: metrics on, tracing configured off (no OTLP endpoint: no tracer);
- ``metrics + spans``: an OTLP endpoint set (a local sink in this script answering 200), so every
  call makes its request, stage and attempt spans and the SDK batches and exports them;
- ``metrics + invocation log``: the default plus ``STRATA_INVOCATION_LOGS=file`` (metadata only).

At concurrency 1 the same chat call runs against each in turn, for ``--rounds`` rounds of
``--seconds`` each, the order rotating. Per cell: the p50 latency and the gateway's CPU time per
request from /proc (user + system of its process, background tasks included); `added` is the median
of each round's paired difference against the same round's ``off`` cell. The target: metrics (and
tracing without an exporter) add at most 20 us of CPU per request.

    .venv/bin/python bench/observability_overhead.py [--seconds 5] [--rounds 5] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, ONE_MODEL_CONFIG, cpu_seconds, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

CONFIG = ONE_MODEL_CONFIG
BODY = b'{"model":"bench-model","messages":[{"role":"user","content":"Say hello in five words"}]}'
SETTLE_S = 0.5
TARGET_US = 20.0


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP endpoint that accepts every export and keeps nothing."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        return


def _collector() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def variants(collector: str, folder: str) -> dict[str, dict[str, str]]:
    return {
        "off": {"STRATA_METRICS": "false"},
        "metrics": {},
        "metrics + spans": {"OTEL_EXPORTER_OTLP_ENDPOINT": collector},
        "metrics + invocation log": {"STRATA_INVOCATION_LOGS": "file", "STRATA_INVOCATION_LOG_DIR": folder},
    }


@dataclass
class Cell:
    results: list[LoadResult] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)


def _measure(pid: int, url: str, seconds: float, cell: Cell) -> None:
    before = cpu_seconds(pid)
    result = uvloop.run(run_load(url, BODY, AUTH, 1, duration_s=seconds))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors against {url}: {result.statuses}")
    cell.results.append(result)
    cell.cpu_us.append((cpu_seconds(pid) - before) * 1e6 / max(result.requests, 1))


def run(seconds: float, rounds: int) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "STRATA_"))}
    os.environ.clear()
    os.environ.update(clean)
    with ExitStack() as stack, FakeUpstream() as upstream:
        server, collector = _collector()
        stack.callback(server.shutdown)
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        gateways: dict[str, tuple[str, int]] = {}
        for name, env in variants(collector, folder).items():
            env = {"BENCH_UPSTREAM_KEY": "upstream-key", **env}
            gateways[name] = stack.enter_context(strata_process(CONFIG.format(api_base=upstream.url), env))
        names = list(gateways)
        for name in names:  # warm-up: connections, caches, first batches
            uvloop.run(run_load(gateways[name][0] + "/v1/chat/completions", BODY, AUTH, 1, duration_s=1.0))
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                time.sleep(SETTLE_S)
                base, pid = gateways[name]
                _measure(pid, base + "/v1/chat/completions", seconds, cells.setdefault(name, Cell()))
            print(f"round {round_ + 1}: " + ", ".join(f"{n} {cells[n].cpu_us[-1]:.0f} us" for n in names), flush=True)
    return cells


def fold_cost(calls: int = 50_000, keys: int = 1) -> tuple[float, float]:
    """The best of three runs of ``_fold_cost`` (the others pay for the collector's first passes)."""
    return min(_fold_cost(calls, keys) for _ in range(3))


def _fold_cost(calls: int, keys: int) -> tuple[float, float]:
    """In this process, without the noise of a shared machine: CPU microseconds per call of the
    request path's part (``submit``) and of the periodic fold into the families, over ``keys`` keys
    on three models (one key: every call shares its label sets, as at concurrency 1)."""
    from gateway.observability.metrics import GatewayMetrics
    from gateway.observability.recorder import MetricsRecorder
    from gateway.services.context import CallContext, Principal
    from gateway.services.usage.record import usage_event

    recorder = MetricsRecorder(GatewayMetrics(), None, None)  # type: ignore[arg-type]  # no sampling here
    contexts = []
    for i in range(calls):
        call = CallContext(request_id=f"r{i}", surface="openai", model_call=True)
        call.principal = Principal(key_id=f"key-{i % keys}", team_id="team-1")
        call.model = call.served_model = f"model-{i % 3}"
        call.deployment, call.provider, call.attempts = f"model-{i % 3}/0", "openai", 1
        call.prompt_tokens, call.completion_tokens, call.first_token_s = 12, 30, 0.004
        contexts.append((call, usage_event(call, 200, f"r{i}")))
    started = time.process_time()
    for call, event in contexts:
        recorder.submit(call, event)
    submitted = time.process_time()
    recorder.fold()
    folded = time.process_time()
    return (submitted - started) * 1e6 / calls, (folded - submitted) * 1e6 / calls


def report(cells: dict[str, Cell], seconds: float, rounds: int) -> str:
    off = cells["off"]
    table: list[list[str]] = []
    verdicts: list[str] = []
    for name, cell in cells.items():
        added_cpu = statistics.median(a - b for a, b in zip(cell.cpu_us, off.cpu_us, strict=True))
        p50 = [r.p50_ms or 0.0 for r in cell.results]
        added_ms = statistics.median(a - (b.p50_ms or 0.0) for a, b in zip(p50, off.results, strict=True))
        best = min(cell.cpu_us) - min(off.cpu_us)
        table.append(
            [
                name,
                f"{statistics.median(cell.cpu_us):.1f}",
                "-" if name == "off" else f"{added_cpu:+.1f}",
                f"{min(cell.cpu_us):.1f}",
                "-" if name == "off" else f"{best:+.1f}",
                f"{statistics.median(p50):.3f}",
                "-" if name == "off" else f"{added_ms:+.3f}",
                f"{statistics.median(r.requests_per_s for r in cell.results):,.0f}",
            ]
        )
        if name == "metrics":
            met = "met" if added_cpu <= TARGET_US else "NOT met"
            verdicts.append(
                f"metrics on, tracing off (no exporter): {added_cpu:+.1f} us CPU per request, median of paired rounds "
                f"({best:+.1f} us between the best rounds; target <= 20 us: {met})"
            )
    return "\n".join(
        [
            "## Metrics, traces and invocation logs, on vs off (`bench/observability_overhead.py`)",
            "",
            "The same chat call through four one-worker Strata processes (access log and usage ledger on) that "
            "differ only in what observes them, against one fake upstream, at concurrency 1, interleaved in one "
            f"run ({rounds} rounds of {seconds:g} s per cell, the order rotating). `cpu/req` is the gateway "
            "process's CPU time per request (/proc, background tasks included); `added` is the median of the "
            "rounds' paired differences against the `off` cell of the same round; `best round` is each "
            "gateway's least disturbed round (on a shared machine, other work inflates CPU time in some rounds). "
            "`metrics + spans` exports every span over OTLP/HTTP to a sink in the benchmark's own process.",
            "",
            markdown_table(
                [
                    "gateway",
                    "cpu/req us",
                    "added us",
                    "best round us",
                    "added (best) us",
                    "p50 ms",
                    "added ms",
                    "req/s",
                ],
                table,
            ),
            "",
            *[f"- {line}" for line in verdicts],
            *[
                f"- in-process, {keys} key{'s' if keys > 1 else ''} on 3 models: {path:.2f} us per call on the "
                f"request path (`submit`), {fold:.2f} us per call folded into the families off it"
                for keys, (path, fold) in ((1, fold_cost()), (200, fold_cost(keys=200)))
            ],
            f"- load average when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
            "",
            machine_line(("prometheus_client", "opentelemetry-sdk", "fastapi", "uvicorn")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = report(run(args.seconds, args.rounds), args.seconds, args.rounds)
    print(text)
    if not args.no_write:
        write_section("observability_overhead", text)


if __name__ == "__main__":
    main()
