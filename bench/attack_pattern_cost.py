"""What the prompt-attack patterns cost on a long prompt: ``attacks.families`` on the guardrails
overhead bench's 2 KB e-mail (as that bench sends it: every sentence tagged), in process, and the
patterns that take most of it over the text's readings.

    .venv/bin/python bench/attack_pattern_cost.py [--runs 40] [--top 8] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrails_overhead import EMAIL, unique  # noqa: E402
from gateway.guardrails.semantic import attacks  # noqa: E402
from gateway.guardrails.semantic.anchors import Reading  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    text = json.loads(unique("semantic", EMAIL)(7))["messages"][0]["content"]
    readings = [Reading(reading) for reading in attacks.readings(text)]
    if not attacks.PREFILTER.wait(timeout=300):
        raise SystemExit("the Hyperscan prefilter did not build")
    medians = {}
    for enabled in (True, False, True, False):  # alternated: neither side gets the warmer caches
        attacks.PREFILTER.enabled = enabled
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            attacks.families(text)
            times.append(time.perf_counter() - started)
        medians.setdefault(enabled, []).append(statistics.median(times))
    attacks.PREFILTER.enabled = True
    started = time.perf_counter()
    for _ in range(args.runs):
        attacks.readings(text)
    reading_ms = (time.perf_counter() - started) / args.runs * 1e3
    started = time.perf_counter()
    for _ in range(args.runs):
        for reading in readings:
            attacks.PREFILTER.possible(reading.text)
    scan_ms = (time.perf_counter() - started) / args.runs * 1e3
    with_ms, without_ms = min(medians[True]) * 1e3, min(medians[False]) * 1e3
    costs = []
    attacks.PREFILTER.enabled = False
    for pattern in attacks.PATTERNS:
        started = time.perf_counter()
        for _ in range(args.runs):
            for reading in readings:
                pattern.found(reading)
        costs.append(((time.perf_counter() - started) / args.runs * 1e3, pattern))
    attacks.PREFILTER.enabled = True
    costs.sort(key=lambda cost: -cost[0])
    total = sum(ms for ms, _ in costs)
    rows = [
        [f"{ms:.3f}", pattern.name, str(pattern.level), "`" + pattern.regex.pattern[:60].replace("|", "\\|") + "...`"]
        for ms, pattern in costs[: args.top]
    ]
    report = "\n".join(
        [
            "## The prompt-attack patterns on a 2 KB prompt (`bench/attack_pattern_cost.py`)",
            "",
            f"`families()` on the guardrails overhead bench's {len(text):,}-character e-mail, in process "
            f"({len(attacks.PATTERNS)} patterns, {len(readings)} readings of the text), median of {args.runs}, "
            "the better of two alternated runs each:",
            "",
            markdown_table(
                ["Hyperscan prefilter", "families()", "of which: readings()", "of which: the Hyperscan passes"],
                [
                    ["on", f"**{with_ms:.2f} ms**", f"{reading_ms:.2f} ms", f"{scan_ms:.3f} ms"],
                    ["off (word anchors only)", f"**{without_ms:.2f} ms**", f"{reading_ms:.2f} ms", "-"],
                ],
            ),
            "",
            f"Without the prefilter, each pattern's `found` over every reading: {total:.2f} ms in all; the "
            f"{args.top} costliest (with it, each is searched only where Hyperscan reports it may match):",
            "",
            markdown_table(["ms", "family", "level", "pattern"], rows),
            "",
            machine_line(()),
        ]
    )
    print(report)
    if not args.no_write:
        write_section("attack_pattern_cost", report)


if __name__ == "__main__":
    main()
