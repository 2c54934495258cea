"""The PII scanner's literal shortcut on and off: a detector none of whose pattern's required
literals stands in the text is skipped (``gateway/guardrails/pii/required.py``). Every pattern PII
type, in process, on the guardrails overhead bench's 2 KB e-mail, the PII eval's PII-dense 2 KB
prompt and a short answer; warm (back to back) and cold (32 MB written between scans, as a
gateway's caches are after the rest of a request). On and off alternate, one process.

    .venv/bin/python bench/pii_literal_shortcut.py [--runs 300] [--rounds 4] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrail_evals.pii import PROMPT_2KB  # noqa: E402
from bench.guardrails_overhead import EMAIL  # noqa: E402
from gateway.guardrails.pii import scanner  # noqa: E402
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner  # noqa: E402
from gateway.guardrails.text_memo import CHECKED  # noqa: E402

TEXTS = {
    "2 KB e-mail": EMAIL,
    "2 KB PII-dense prompt": PROMPT_2KB[:2048],
    "short answer": "Hello from the fake upstream. Your order has shipped and should arrive on Friday.",
}
COLD_MB = 32
CHECKED.resize(0)  # every scan timed is a scan: the memo would answer the same text from the second on


def median_us(scan: Callable[[], object], runs: int, before: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        scan()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def measure(runs: int, rounds: int) -> list[list[str]]:
    every_type = Scanner(PATTERN_TYPES)
    junk = np.ones((COLD_MB << 20) // 8)

    def evict() -> None:
        junk.__iadd__(1.0)

    states = {"warm": lambda: None, "cold": evict}
    found: dict[tuple[str, str, bool], list[float]] = {}
    for number in range(rounds):
        for on in (True, False) if number % 2 == 0 else (False, True):
            scanner.REQUIRE_LITERALS = on
            for name, text in TEXTS.items():
                for state, before in states.items():
                    us = median_us(lambda t=text: every_type.scan(t), runs if state == "warm" else runs // 3, before)
                    found.setdefault((name, state, on), []).append(us)
    scanner.REQUIRE_LITERALS = True
    rows = []
    for name in TEXTS:
        for state in states:
            on, off = (statistics.median(found[(name, state, flag)]) for flag in (True, False))
            rows.append([name, state, f"{off:.1f}", f"{on:.1f}", f"{off / on:.2f}x"])
    return rows


def report(rows: list[list[str]], runs: int, rounds: int) -> str:
    skippable = sum(1 for d in scanner.DETECTORS if scanner._skippable(d))
    with_literals = sum(1 for d in scanner.DETECTORS if scanner.REQUIRED[id(d)])
    return "\n".join(
        [
            "## The PII scanner's literal shortcut (`bench/pii_literal_shortcut.py`)",
            "",
            f"`Scanner.scan` with every pattern PII type, in process, median us of {runs} scans warm and"
            f" {runs // 3} cold ({COLD_MB} MB written before each), the median of {rounds} alternating rounds."
            f" Of the {skippable} detectors that search with their own pattern, {with_literals} have required"
            " literals; with the shortcut on, one of them is tried only when the keyword automaton found one.",
            "",
            markdown_table(["text", "caches", "off us", "on us", "speed-up"], rows),
            "",
            machine_line(()),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = report(measure(args.runs, args.rounds), args.runs, args.rounds)
    print(text)
    if not args.no_write:
        write_section("pii_literal_shortcut", text)


if __name__ == "__main__":
    main()
