"""Soak: one `strata serve` under steady mixed traffic for a long time. Does it leak?

The traffic (bench/soak_traffic.py), paced at ``--rate`` requests per second (open loop, at most
64 in flight), mixes chat calls and streams (to the fake upstream and to the built-in echo model),
embeddings (the fake upstream's and a tiny random-weight local BERT in its worker process), upstream
failures (a pool whose first deployment answers 500, retried on the second; its circuit opens and
closes again), streams the upstream drops midway, streams the client leaves after their first bytes,
and refused calls (a wrong key, an unknown model).

Phases: warm-up (``--warmup-minutes``, default a sixth of the run), a pause with no traffic (the
idle *baseline*: descriptors, connections), the soak proper, and the same pause after it. Every
``--sample-s`` it samples the gateway's RSS (and its workers'), open file descriptors, TCP
connections and `strata_event_loop_lag_seconds` (bench/soak_probe.py). It reports the RSS slope
after warm-up (least squares over the soak phase, MB per 10 minutes; target < 1) and whether file
descriptors returned to the baseline once traffic stopped.

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 100] [--no-local] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, cpu_seconds, strata_process  # noqa: E402
from bench.soak_probe import (  # noqa: E402
    Sample,
    descriptor_kinds,
    descriptors,
    loop_lag_ms,
    percentile,
    rss_mb,
    slope_per_10_min,
    tree_rss_mb,
)
from bench.soak_traffic import MAX_IN_FLIGHT, Kind, Tally, catalog, drive, kinds, script  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

TARGET_MB_PER_10_MIN = 1.0
# A SQLite connection holds the file and its WAL: SQLAlchemy's pool keeps up to 5 open once opened.
DATABASE_FILES = (".db", ".db-wal", ".db-shm")


@dataclass
class Probe:
    pid: int
    base_url: str
    tally: Tally
    client: httpx.Client
    started: float = field(default_factory=time.monotonic)
    phase: str = "warm-up"
    samples: list[Sample] = field(default_factory=list)
    kinds: dict[str, Counter[str]] = field(default_factory=dict)  # open descriptors by kind, when idle

    def take(self, phase: str | None = None) -> Sample:
        fds, connections, sockets = descriptors(self.pid)
        sample = Sample(
            t_s=time.monotonic() - self.started,
            phase=phase or self.phase,
            rss_mb=rss_mb(self.pid),
            tree_rss_mb=tree_rss_mb(self.pid),
            fds=fds,
            connections=connections,
            sockets=sockets,
            loop_lag_ms=loop_lag_ms(self.client, self.base_url),
            cpu_s=cpu_seconds(self.pid),
            requests=self.tally.answered,
        )
        self.samples.append(sample)
        if phase is not None:
            self.kinds[phase] = descriptor_kinds(self.pid)
        return sample


async def sample_every(probe: Probe, interval_s: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.to_thread(probe.take)  # /proc and one scrape, off the traffic's loop
        try:
            await asyncio.wait_for(stop.wait(), interval_s)
        except TimeoutError:
            pass


async def soak(probe: Probe, args: argparse.Namespace, mix: list[Kind]) -> None:
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_every(probe, args.sample_s, stop))
    warmup_s = args.warmup_minutes * 60
    await drive(probe.base_url, args.rate, warmup_s, mix, probe.tally)
    probe.phase = "pause"
    await asyncio.sleep(args.settle_s)
    await asyncio.to_thread(probe.take, "baseline")
    probe.phase = "soak"
    print(f"warm-up done at {probe.samples[-1].t_s:.0f} s; soaking", flush=True)
    await drive(probe.base_url, args.rate, args.minutes * 60 - warmup_s, mix, probe.tally)
    probe.phase = "after"
    await asyncio.sleep(args.settle_s)
    await asyncio.to_thread(probe.take, "final")
    stop.set()
    await sampler


def wait_ready(base_url: str, timeout_s: float = 180.0) -> None:
    """Until /health/ready says so: the local model loads in its worker after the server starts."""
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{base_url}/health/ready", timeout=5).status_code != 200:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base_url} not ready after {timeout_s:.0f} s")
        time.sleep(0.5)


def run(args: argparse.Namespace) -> Probe:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "STRATA_", "PROMETHEUS_"))}
    os.environ.clear()
    os.environ.update(clean)
    with ExitStack() as stack, FakeUpstream() as upstream:
        script(upstream)
        local_model = None
        if args.local:
            from tests.support.local_models import tiny_bert

            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            local_model = tiny_bert(folder / "bert", sentence_transformers=True)
        config = catalog(upstream.url, local_model)
        base, pid = stack.enter_context(strata_process(config, {"SOAK_UPSTREAM_KEY": "sk-upstream"}))
        wait_ready(base)
        client = stack.enter_context(httpx.Client(headers=AUTH, timeout=10))
        probe = Probe(pid, base, Tally(), client)
        uvloop.run(soak(probe, args, kinds(args.local)))
        return probe


def _mb(value: float) -> str:
    return f"{value:+.2f}"


def verdicts(probe: Probe, args: argparse.Namespace) -> list[str]:
    soaked = [s for s in probe.samples if s.phase == "soak"]
    baseline = next(s for s in probe.samples if s.phase == "baseline")
    final = probe.samples[-1]
    slope = slope_per_10_min([(s.t_s, s.rss_mb) for s in soaked])
    tree = slope_per_10_min([(s.t_s, s.tree_rss_mb) for s in soaked])
    met = "met" if slope < TARGET_MB_PER_10_MIN else "NOT met"
    before, after = probe.kinds.get("baseline", Counter()), probe.kinds.get("final", Counter())
    pooled = sum(n for kind, n in (after - before).items() if kind.endswith(DATABASE_FILES))
    returned = "returned to" if final.fds - pooled <= baseline.fds else "did NOT return to"
    lags = [s.loop_lag_ms for s in soaked if s.loop_lag_ms is not None]
    peak = max(soaked, key=lambda s: s.fds) if soaked else final
    fitted_min = (soaked[-1].t_s - soaked[0].t_s) / 60 if len(soaked) > 1 else 0.0
    return [
        f"RSS slope after warm-up: {_mb(slope)} MB per 10 min (least squares over {len(soaked)} samples, "
        f"{fitted_min:.1f} min; target < {TARGET_MB_PER_10_MIN:g}: {met})"
        + (f"; with the local model's worker: {_mb(tree)} MB per 10 min" if args.local else ""),
        f"RSS: {baseline.rss_mb:.1f} MB at the baseline, {final.rss_mb:.1f} MB at the end "
        f"(with workers {baseline.tree_rss_mb:.1f} -> {final.tree_rss_mb:.1f} MB)",
        f"file descriptors {returned} the baseline once traffic stopped: {baseline.fds} idle after warm-up, "
        f"{peak.fds} at the soak's peak, {final.fds} idle after it ({args.settle_s:g} s after the last call)"
        + _difference(before, after)
        + (f" ({pooled} of a database connection the pool opened and keeps: bounded, not counted)" if pooled else ""),
        f"TCP connections: {baseline.connections} established at the baseline ({baseline.sockets} sockets), "
        f"{peak.connections} at the peak, {final.connections} after ({final.sockets} sockets)",
        f"event-loop lag (strata_event_loop_lag_seconds, sampled): p50 {_ms(percentile(lags, 0.5))}, "
        f"p99 {_ms(percentile(lags, 0.99))}, max {_ms(max(lags) if lags else None)}",
    ]


def _difference(before: Counter[str], after: Counter[str]) -> str:
    """The descriptors open after the soak and not before it (or the other way round), by kind."""
    more, fewer = after - before, before - after
    parts = [f"+{n} {Path(kind).name}" for kind, n in more.items()]
    parts += [f"-{n} {Path(kind).name}" for kind, n in fewer.items()]
    return f"; by kind: {', '.join(parts)}" if parts else ""


def idle_cpu(probe: Probe) -> float:
    """The gateway's CPU use while no traffic came (the pause before the baseline), in % of a core."""
    pause = [s for s in probe.samples if s.phase in ("pause", "baseline")]
    if len(pause) < 2 or pause[-1].t_s <= pause[0].t_s:
        return 0.0
    return (pause[-1].cpu_s - pause[0].cpu_s) / (pause[-1].t_s - pause[0].t_s) * 100


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def timeline(probe: Probe, rows: int = 12) -> str:
    samples = probe.samples
    step = max(1, len(samples) // rows)
    chosen = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    table = [
        [
            f"{s.t_s / 60:.1f}",
            s.phase,
            f"{s.rss_mb:.1f}",
            f"{s.tree_rss_mb:.1f}",
            str(s.fds),
            str(s.connections),
            _ms(s.loop_lag_ms),
            f"{s.requests:,}",
        ]
        for s in chosen
    ]
    headers = ["min", "phase", "RSS MB", "with workers MB", "fds", "TCP conns", "loop lag", "answered"]
    return markdown_table(headers, table)


def report(probe: Probe, args: argparse.Namespace) -> str:
    tally, final = probe.tally, probe.samples[-1]
    baseline = next(s for s in probe.samples if s.phase == "baseline")
    cpu_s, calls = final.cpu_s - baseline.cpu_s, final.requests - baseline.requests
    outcomes = "; ".join(
        f"{kind}: " + ", ".join(f"{n:,} {outcome}" for outcome, n in counts.most_common())
        for kind, counts in tally.outcomes.items()
    )
    return "\n".join(
        [
            "## Soak: mixed traffic against one gateway (`bench/soak.py`)",
            "",
            f"One `strata serve` (one worker, access log and SQLite usage ledger on) for {args.minutes:g} min at "
            f"{args.rate:g} requests/s: chat calls and streams (fake upstream and echo), embeddings (fake upstream"
            f"{' and a tiny local BERT in its worker' if args.local else ''}), a pool whose first deployment fails "
            "(retried; its circuit opens and closes), streams the upstream drops, streams the client leaves, "
            f"refused calls. Warm-up {round(args.warmup_minutes, 2):g} min, then a {args.settle_s:g} s pause with no "
            "traffic (the baseline), the soak, and the same pause after it; a sample every "
            f"{args.sample_s:g} s (RSS from /proc, descriptors from /proc/PID/fd, connections matched in "
            "/proc/PID/net/tcp).",
            "",
            *[f"- {line}" for line in verdicts(probe, args)],
            f"- {tally.answered:,} calls answered ({tally.skipped:,} not sent: {MAX_IN_FLIGHT} in flight); during "
            f"the soak the gateway used {cpu_s:.0f} s of CPU, {cpu_s * 1e6 / max(calls, 1):.0f} us per call "
            f"(background tasks included; the local model's worker not); idle, {idle_cpu(probe):.1f}% of a core",
            f"- outcomes: {outcomes}",
            "",
            timeline(probe),
            "",
            machine_line(("fastapi", "uvicorn", "prometheus_client", "torch")),
        ]
    )


def write_csv(samples: list[Sample], path: Path) -> None:
    names = [f.name for f in fields(Sample)]
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        writer.writerows([getattr(s, name) for name in names] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0, help="traffic time, warm-up included")
    parser.add_argument("--warmup-minutes", type=float, default=None, help="default: a sixth of --minutes")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second, all kinds together")
    parser.add_argument("--sample-s", type=float, default=None, help="default: the run in ~150 samples, >= 1 s")
    parser.add_argument("--settle-s", type=float, default=10.0, help="the idle pauses before and after the soak")
    parser.add_argument("--no-local", dest="local", action="store_false", help="no local model (no torch)")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave BENCHMARKS.md alone")
    parser.add_argument("--csv", type=Path, default=None, help="also write every sample to this CSV file")
    args = parser.parse_args()
    if args.warmup_minutes is None:
        args.warmup_minutes = args.minutes / 6
    if args.sample_s is None:
        args.sample_s = max(1.0, args.minutes * 60 / 150)
    if not 0 <= args.warmup_minutes < args.minutes:
        parser.error("--warmup-minutes must be shorter than --minutes")
    probe = run(args)
    if args.csv is not None:
        write_csv(probe.samples, args.csv)
    text = report(probe, args)
    print(text)
    if not args.no_write:
        write_section("soak", text)


if __name__ == "__main__":
    main()
