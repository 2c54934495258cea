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
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        attacks.families(text)
        times.append(time.perf_counter() - started)
    costs = []
    for pattern in attacks.PATTERNS:
        started = time.perf_counter()
        for _ in range(args.runs):
            for reading in readings:
                pattern.found(reading)
        costs.append(((time.perf_counter() - started) / args.runs * 1e3, pattern))
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
            f"`families()` on the guardrails overhead bench's {len(text):,}-character e-mail, in process: "
            f"**{statistics.median(times) * 1e3:.2f} ms** median of {args.runs} ({len(attacks.PATTERNS)} patterns, "
            f"{len(readings)} readings of the text). Each pattern's `found` over every reading: {total:.2f} ms in "
            f"all; the {args.top} costliest:",
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
