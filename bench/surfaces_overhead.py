"""What does each agent surface cost over the chat endpoint? The same call, four wire formats.

One run, one machine, one load generator: the fake upstream (tests/fakes) in its own process and
one `strata serve` worker (bench/harness.py). At concurrency 1, side by side and interleaved (the
order rotates from round to round, so drift and background work hit every surface alike), the
same one-message prompt through `POST /v1/chat/completions`, Anthropic's `POST /v1/messages`,
OpenAI's `POST /v1/responses` (``store: false``: the call itself; a ``store: true`` row shows what
keeping the conversation adds) and the legacy `POST /v1/completions`; then the streaming variants,
timed to the first chunk. The added latency of a surface is the median of the rounds' paired
differences against the same round's chat cell. Writes its section into BENCHMARKS.md.

    .venv/bin/python bench/surfaces_overhead.py [--seconds 5] [--rounds 5] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, ONE_MODEL_CONFIG, cpu_seconds, strata_process  # noqa: E402
from bench.loadgen import LoadResult, run_load  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

PROMPT = "Say hello in five words"
CONFIG = ONE_MODEL_CONFIG
SETTLE_S = 0.5  # between cells, for the gateway's background work to drain


def _body(text: str) -> bytes:
    return text.replace("PROMPT", PROMPT).encode()


# (name, path, body, streaming body); None: the surface has no streaming row
SURFACES: list[tuple[str, str, bytes, bytes | None]] = [
    (
        "chat",
        "/v1/chat/completions",
        _body('{"model":"bench-model","messages":[{"role":"user","content":"PROMPT"}]}'),
        _body('{"model":"bench-model","messages":[{"role":"user","content":"PROMPT"}],"stream":true}'),
    ),
    (
        "messages",
        "/v1/messages",
        _body('{"model":"bench-model","max_tokens":64,"messages":[{"role":"user","content":"PROMPT"}]}'),
        _body('{"model":"bench-model","max_tokens":64,"messages":[{"role":"user","content":"PROMPT"}],"stream":true}'),
    ),
    (
        "responses",
        "/v1/responses",
        _body('{"model":"bench-model","input":"PROMPT","store":false}'),
        _body('{"model":"bench-model","input":"PROMPT","store":false,"stream":true}'),
    ),
    ("responses (store)", "/v1/responses", _body('{"model":"bench-model","input":"PROMPT","store":true}'), None),
    (
        "completions",
        "/v1/completions",
        _body('{"model":"bench-model","prompt":"PROMPT","max_tokens":64}'),
        _body('{"model":"bench-model","prompt":"PROMPT","max_tokens":64,"stream":true}'),
    ),
]


@dataclass
class Cell:
    results: list[LoadResult] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    def latency(self, stream: bool) -> list[float]:
        return [(r.ttfb_p50_ms if stream else r.p50_ms) or 0.0 for r in self.results]


def _measure(pid: int, url: str, body: bytes, seconds: float, stream: bool, cell: Cell) -> None:
    before = cpu_seconds(pid)
    result = uvloop.run(run_load(url, body, AUTH, 1, duration_s=seconds, stream=stream))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors against {url}: {result.statuses}")
    cell.results.append(result)
    cell.cpu_ms.append((cpu_seconds(pid) - before) * 1000 / max(result.requests, 1))


def run(seconds: float, rounds: int) -> dict[tuple[str, bool], Cell]:
    cells: dict[tuple[str, bool], Cell] = {}
    env = {"BENCH_UPSTREAM_KEY": "upstream-key"}
    with FakeUpstream() as upstream, strata_process(CONFIG.format(api_base=upstream.url), env) as (base, pid):
        for stream in (False, True):
            chosen = [(n, p, s if stream else b) for n, p, b, s in SURFACES if not stream or s is not None]
            for round_ in range(rounds):
                shift = round_ % len(chosen)
                for name, path, body in chosen[shift:] + chosen[:shift]:
                    time.sleep(SETTLE_S)
                    cell = cells.setdefault((name, stream), Cell())
                    _measure(pid, base + path, body, seconds, stream, cell)  # type: ignore[arg-type]
            for name, _, _ in chosen:
                cell = cells[(name, stream)]
                print(f"{'stream' if stream else 'call':6s} {name:18s} {cell.results[-1]}", flush=True)
    return cells


def report(cells: dict[tuple[str, bool], Cell], seconds: float, rounds: int) -> str:
    table: list[list[str]] = []
    verdicts: list[str] = []
    for (name, stream), cell in cells.items():
        base = cells[("chat", stream)]
        added = statistics.median(a - b for a, b in zip(cell.latency(stream), base.latency(stream), strict=True))
        table.append(
            [
                f"{name} ({'stream, first chunk' if stream else 'call'})",
                f"{statistics.median(cell.latency(stream)):.3f}",
                "-" if name == "chat" else f"{added:+.3f}",
                f"{statistics.median(cell.cpu_ms):.3f}",
                f"{statistics.median(r.requests_per_s for r in cell.results):,.0f}",
            ]
        )
        if name in ("messages", "responses"):
            limit = 0.5 if stream else 0.15
            verdicts.append(
                f"{name} {'stream' if stream else 'call'}: {added:+.3f} ms (target <= {limit} ms: "
                f"{'met' if added <= limit else 'NOT met'})"
            )
    return "\n".join(
        [
            "## Agent surfaces vs the chat endpoint (`bench/surfaces_overhead.py`)",
            "",
            "The same one-message prompt through each surface of one one-worker Strata (access log on), against "
            "the same fake upstream, at concurrency 1, interleaved in one run "
            f"({rounds} rounds of {seconds:g} s per cell, the order rotating). Latencies are medians of the rounds' "
            "p50 (streams: time to the first chunk) in ms; `added` is the median of the rounds' paired differences "
            "against the chat cell of the same round; `cpu/req` is the gateway's CPU time per request.",
            "",
            markdown_table(["surface", "p50 ms", "added ms", "cpu/req ms", "req/s"], table),
            "",
            *[f"- {line}" for line in verdicts],
            f"- load average when the run ended: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
            "",
            machine_line(("fastapi", "uvicorn", "httpx")),
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
        write_section("surfaces_overhead", text)


if __name__ == "__main__":
    main()
