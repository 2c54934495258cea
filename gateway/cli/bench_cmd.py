"""``strata bench``: run the benchmark scripts of bench/ one after another, with a progress bar.

The scripts live in Strata's source tree, not in its wheel: from an install without them, the
command says so (``--bench-dir`` or $STRATA_BENCH_DIR points at a checkout's bench/). Each script
runs as its own process, its output kept in a log file; a flag is passed on only to the scripts
that take it, and ``--no-write`` to every one that takes it unless ``--write`` (BENCHMARKS.md is
then left alone).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from gateway.cli.output import table

DEFAULT_SUITE = ("gateway_overhead", "routing_overhead", "quotas_overhead", "guardrails_overhead", "bedrock_overhead")
HELPERS = frozenset({"__init__", "common", "harness", "loadgen", "tenancy_setup"})
BAR = 24


class BenchError(Exception):
    """The suite cannot run as asked (no bench/, an unknown name): one line, exit 1."""


def bench_dir(given: str | None) -> Path:
    folder = Path(given or os.environ.get("STRATA_BENCH_DIR") or Path(__file__).resolve().parents[2] / "bench")
    if not folder.is_dir():
        raise BenchError(
            f"no benchmark suite at {folder}: the benchmarks ship with Strata's source, not its package; "
            "run `strata bench` from a checkout, or pass --bench-dir PATH/TO/bench"
        )
    return folder


def scripts(folder: Path) -> dict[str, Path]:
    return {p.stem: p for p in sorted(folder.glob("*.py")) if p.stem not in HELPERS}


def summary(path: Path) -> str:
    """The first line of a script's docstring, read as text (scripts are never imported here)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip().strip('"').strip()
        if text and not text.startswith("#"):
            return text
    return ""


def arguments(source: str, args: argparse.Namespace) -> list[str]:
    """The flags this script takes, from what was asked."""
    passed = []
    for flag, value in (("--seconds", args.seconds), ("--rounds", args.rounds)):
        if value is not None and f'"{flag}"' in source:
            passed += [flag, str(value)]
    if not args.write and '"--no-write"' in source:
        passed.append("--no-write")
    return passed


class Progress:
    """One line redrawn in place on a terminal; a line per step otherwise (logs, CI)."""

    def __init__(self, total: int, out: IO[str]) -> None:
        self.total, self.out = total, out
        self.live = out.isatty()
        self.last = ""

    def draw(self, done: int, name: str, started: float) -> None:
        filled = BAR * done // max(self.total, 1)
        elapsed = time.monotonic() - started
        line = f"[{'#' * filled}{'-' * (BAR - filled)}] {done}/{self.total} {name} {elapsed:5.0f}s"
        if self.live:
            tail = f" | {self.last}"[: max(0, 100 - len(line))]
            self.out.write("\r\033[K" + line + tail)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def finish(self) -> None:
        if self.live:
            self.out.write("\n")
            self.out.flush()


def _run_one(path: Path, passed: list[str], log: Path, progress: Progress, done: int) -> tuple[int, float]:
    started = time.monotonic()
    progress.draw(done, path.stem, started)
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, str(path), *passed],
            cwd=path.parent.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        ticker = threading.Thread(target=_tick, args=(process, progress, done, path.stem, started), daemon=True)
        ticker.start()
        for line in process.stdout:
            sink.write(line)
            progress.last = line.strip()
        code = process.wait()
    return code, time.monotonic() - started


def _tick(process: subprocess.Popen[str], progress: Progress, done: int, name: str, started: float) -> None:
    """Redraws the live line each second while a long script is quiet."""
    while progress.live and process.poll() is None:
        time.sleep(1)
        progress.draw(done, name, started)


def _bench(args: argparse.Namespace) -> int:
    try:
        folder = bench_dir(args.bench_dir)
        available = scripts(folder)
        if args.list:
            print(table(["BENCHMARK", "WHAT IT MEASURES"], [(n, summary(p)) for n, p in available.items()]))
            return 0
        names = args.names or [n for n in DEFAULT_SUITE if n in available]
        unknown = [n for n in names if n not in available]
        if unknown or not names:
            raise BenchError(f"no benchmark named {', '.join(unknown) or '(none)'} in {folder} (strata bench --list)")
    except BenchError as error:
        print(f"strata: {error}", file=sys.stderr)
        return 1
    logs = Path(tempfile.mkdtemp(prefix="strata-bench-"))
    progress, results, started = Progress(len(names), sys.stderr), [], time.monotonic()
    for done, name in enumerate(names):
        path = available[name]
        log = logs / f"{name}.log"
        code, seconds = _run_one(path, arguments(path.read_text(encoding="utf-8"), args), log, progress, done)
        results.append((name, "ok" if code == 0 else f"failed ({code})", round(seconds, 1), str(log)))
    progress.draw(len(names), "done", started)
    progress.finish()
    print(table(["BENCHMARK", "RESULT", "SECONDS", "LOG"], results))
    return 0 if all(r[1] == "ok" for r in results) else 1


def _above_zero(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """--seconds and --rounds: a number above 0 (argparse's usage line and exit 2 otherwise)."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    return parse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        "bench",
        help="run the benchmark suite (bench/) with a progress bar",
        description="Run benchmark scripts from bench/ one after another (default: the overhead suite).",
    )
    bench.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (strata bench --list)")
    bench.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    bench.add_argument(
        "--seconds", type=_above_zero(float), help="seconds per measurement (above 0), for the scripts that take it"
    )
    bench.add_argument("--rounds", type=_above_zero(int), help="rounds (1 or more), for the scripts that take it")
    bench.add_argument("--write", action="store_true", help="let the scripts update BENCHMARKS.md")
    bench.add_argument("--bench-dir", help="the bench/ folder (default: the checkout's, or $STRATA_BENCH_DIR)")
    bench.set_defaults(handler=_bench)
