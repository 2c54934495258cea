"""Did a change make the pattern guardrail slower? An earlier revision beside the working tree, in
one run, alternating: in process (words + every PII pattern type + 3 regexes on the eval's 2 KB
prompt, ``bench/guardrail_evals/pii.py``'s ``pattern_policies_ms``, each revision in its own
process) and through two gateways side by side (the pattern guardrail's added p50 at concurrency 1,
``bench/guardrails_overhead.py``'s catalog and prompt). The earlier revision runs from a temporary
git worktree, its code first on PYTHONPATH.

    .venv/bin/python bench/guardrail_patterns_ab.py --against d254063 [--rounds 4] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrails_overhead import EMAIL, ENV, body, catalog, measure  # noqa: E402
from bench.harness import strata_process  # noqa: E402
from tests.fakes.upstream import FakeUpstream  # noqa: E402

IN_PROCESS = (
    "import asyncio, sys; sys.path.insert(0, sys.argv[1]); "
    "from bench.guardrail_evals.pii import pattern_policies_ms; "
    "print(asyncio.run(pattern_policies_ms(400)))"
)


def in_process_ms(tree: Path) -> float:
    done = subprocess.run([sys.executable, "-c", IN_PROCESS, str(tree)], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def gateway_added_ms(base: str, seconds: float) -> float:
    url = f"{base}/v1/chat/completions"
    plain = measure(url, body("plain", EMAIL), 1, seconds)
    guarded = measure(url, body("patterns", EMAIL), 1, seconds)
    assert plain.p50_ms is not None and guarded.p50_ms is not None
    return guarded.p50_ms - plain.p50_ms


def run(earlier: Path, label: str, rounds: int, seconds: float) -> list[list[str]]:
    trees = {label: earlier, "now": ROOT}
    rows: list[list[str]] = []
    with FakeUpstream() as upstream:
        config = catalog(upstream.url)
        old_env = {**ENV, "PYTHONPATH": str(earlier)}
        with strata_process(config, old_env) as (old, _), strata_process(config, ENV) as (new, _):
            bases = {label: old, "now": new}
            for number in range(rounds):
                order = list(trees) if number % 2 == 0 else list(reversed(trees))
                for name in order:
                    row = [str(number + 1), name, f"{in_process_ms(trees[name]):.3f}"]
                    row.append(f"{gateway_added_ms(bases[name], seconds):+.3f}")
                    rows.append(row)
                    print(" | ".join(row), flush=True)
    return rows


def report(rows: list[list[str]], label: str) -> str:
    lines = [
        "## The pattern guardrail, an earlier revision beside this one (`bench/guardrail_patterns_ab.py`)",
        "",
        "In process: words + every PII pattern type + 3 regexes on the eval's 2 KB prompt, median of 400"
        " (each revision in its own process). Through a gateway: the pattern guardrail's added p50 at"
        " concurrency 1 on the 2 KB e-mail, two gateways side by side. Alternating rounds, one run.",
        "",
        markdown_table(["round", "revision", "in process ms", "gateway added p50 ms"], rows),
        "",
    ]
    for name in (label, "now"):
        mine = [r for r in rows if r[1] == name]
        inside = statistics.median(float(r[2]) for r in mine)
        added = statistics.median(float(r[3]) for r in mine)
        lines.append(f"- {name}: in process **{inside:.3f} ms**, through the gateway **{added:+.3f} ms** (medians)")
    lines += ["", machine_line(("uvicorn",))]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", required=True, help="the earlier revision (a commit)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder, "earlier")
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(tree), args.against], check=True
        )
        try:
            label = f"before ({args.against})"
            text = report(run(tree, label, args.rounds, args.seconds), label)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    print(text)
    if not args.no_write:
        write_section("guardrail_patterns_ab", text)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
