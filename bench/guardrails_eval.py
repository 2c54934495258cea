"""How well do the guardrail policies work? Precision, recall and false-positive rate per policy on
the labelled sets in bench/guardrail_evals/data/, written into BENCHMARKS.md.

    .venv/bin/python bench/guardrails_eval.py [--only pii,words,...] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import pkgutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import guardrail_evals  # noqa: E402
from bench.common import machine_line, markdown_table, write_section  # noqa: E402
from bench.guardrail_evals.score import Score  # noqa: E402


def evaluators(only: set[str] | None) -> list[object]:
    found = []
    for info in pkgutil.iter_modules(guardrail_evals.__path__):
        if info.name == "score":
            continue
        module = importlib.import_module(f"bench.guardrail_evals.{info.name}")
        if only is None or getattr(module, "NAME", info.name) in only:
            found.append(module)
    return found


def report(scores: list[Score]) -> str:
    rows = [
        [
            s.policy,
            str(s.cases),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.false_positive_rate:.3f}",
            f"{statistics.median(s.latency_ms):.3f}" if s.latency_ms else "-",
            s.note,
        ]
        for s in scores
    ]
    return "\n".join(
        [
            "## Guardrail policies: quality (`bench/guardrails_eval.py`)",
            "",
            "Labelled cases in `bench/guardrail_evals/data/`; a case is positive when the policy should fire. "
            "Latency: the median per case, in process.",
            "",
            markdown_table(["policy", "cases", "precision", "recall", "false-positive rate", "ms/case", "note"], rows),
            "",
            machine_line(("torch", "sentence-transformers", "onnxruntime")),
        ]
    )


async def run(only: set[str] | None) -> list[Score]:
    scores: list[Score] = []
    for module in evaluators(only):
        scores += await module.evaluate()  # type: ignore[attr-defined]
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated evaluator names")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    text = report(asyncio.run(run(only)))
    print(text)
    if not args.no_write and only is None:
        write_section("guardrails_eval", text)


if __name__ == "__main__":
    main()
