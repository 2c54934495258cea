"""How well do the guardrail policies work? Precision, recall and false-positive rate per policy on
the labelled sets in bench/guardrail_evals/data/, written into BENCHMARKS.md.

``--holdout`` scores the sets in data/holdout/ instead (topics, prompt attacks, PII): written by
someone who had seen neither the detectors nor any result, and never read while tuning them, so
they say what the policies do on requests nobody tuned for. Its own section in BENCHMARKS.md.

    .venv/bin/python bench/guardrails_eval.py [--only pii,words,...] [--holdout] [--no-write]
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


HOLDOUT = ("pii", "pii-presidio", "topics", "content")  # evaluators with a set in data/holdout/


def use_holdout(modules: list[object]) -> list[object]:
    """The evaluators that have a held-out set, pointed at it (content: its prompt attacks only)."""
    from bench.guardrail_evals import content, pii, topics

    folder = Path(guardrail_evals.__file__).parent / "data" / "holdout"
    pii.DATA, topics.DATA, content.DATA = folder / "pii.jsonl", folder / "topics.jsonl", folder
    pii.MORE = [
        (folder / "pii_holdout2.jsonl", "pii_holdout2: 201 entities, 112 look-alikes; read since, a development set"),
        (folder / "pii_holdout3.jsonl", "pii_holdout3: 223 entities, 116 look-alikes; read since, a development set"),
        (folder / "pii_holdout4.jsonl", "pii_holdout4: 230 entities, 123 look-alikes; read since, a development set"),
        (folder / "pii_holdout5.jsonl", "pii_holdout5: 297 entities, 128 look-alikes; read since, a development set"),
        (folder / "pii_holdout6.jsonl", "pii_holdout6: 306 entities, 126 look-alikes; read since, a development set"),
        (folder / "pii_holdout7.jsonl", "pii_holdout7: 301 entities, 127 look-alikes; read since, a development set"),
        (folder / "pii_holdout8.jsonl", "pii_holdout8: 290 entities, 120 look-alikes; read since, a development set"),
        (folder / "pii_holdout9.jsonl", "pii_holdout9: 298 entities, 129 look-alikes; read since, a development set"),
        (folder / "pii_holdout10.jsonl", "pii_holdout10: 298 entities, 172 look-alikes; read since, a development set"),
        (
            folder / "pii_holdout11.jsonl",
            "pii_holdout11: 331 entities, ~150 look-alikes; read since, a development set",
        ),
        (
            folder / "pii_holdout12.jsonl",
            "pii_holdout12: 316 entities, ~148 look-alikes; read since, a development set",
        ),
        (folder / "pii_holdout13.jsonl", "pii_holdout13: 313 entities, 143 look-alikes; read since, a development set"),
        (
            folder / "pii_holdout14.jsonl",
            "pii_holdout14: 316 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout15.jsonl",
            "pii_holdout15: 309 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout16.jsonl",
            "pii_holdout16: 307 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout17.jsonl",
            "pii_holdout17: 329 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout18.jsonl",
            "pii_holdout18: 305 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout19.jsonl",
            "pii_holdout19: 328 entities, 47 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout20.jsonl",
            "pii_holdout20: 289 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout21.jsonl",
            "pii_holdout21: 322 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout22.jsonl",
            "pii_holdout22: 321 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout23.jsonl",
            "pii_holdout23: 295 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout24.jsonl",
            "pii_holdout24: 316 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout25.jsonl",
            "pii_holdout25: 325 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout26.jsonl",
            "pii_holdout26: 296 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout27.jsonl",
            "pii_holdout27: 322 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout28.jsonl",
            "pii_holdout28: 320 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout29.jsonl",
            "pii_holdout29: 435 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout30.jsonl",
            "pii_holdout30: 408 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout31.jsonl",
            "pii_holdout31: 384 entities, 48 look-alike rows; read since, a development set",
        ),
        (
            folder / "pii_holdout32.jsonl",
            "pii_holdout32: 384 entities, 48 look-alike rows; read since, a development set",
        ),
        (folder / "pii_holdout33.jsonl", "pii_holdout33: 361 entities, 48 look-alike rows; never read while tuning"),
        (
            folder / "pii_holdout34.jsonl",
            "pii_holdout34: 397 entities, 48 look-alike rows; read since, a development set",
        ),
    ]
    content.ATTACKS_MORE = [
        (
            "prompt_attacks_holdout2.jsonl",
            "prompt_attacks_holdout2: 90 attacks, 90 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout3.jsonl",
            "prompt_attacks_holdout3: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout4.jsonl",
            "prompt_attacks_holdout4: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout5.jsonl",
            "prompt_attacks_holdout5: 100 attacks, 100 look-alikes; trained on since stop 32",
        ),
        (
            "prompt_attacks_holdout6.jsonl",
            "prompt_attacks_holdout6: 100 attacks, 100 look-alikes; trained on since stop 32",
        ),
        (
            "prompt_attacks_holdout7.jsonl",
            "prompt_attacks_holdout7: 100 attacks, 100 look-alikes; trained on since stop 32",
        ),
        (
            "prompt_attacks_holdout8.jsonl",
            "prompt_attacks_holdout8: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout9.jsonl",
            "prompt_attacks_holdout9: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout10.jsonl",
            "prompt_attacks_holdout10: 100 attacks, 100 look-alikes; trained on since stop 33",
        ),
        (
            "prompt_attacks_holdout11.jsonl",
            "prompt_attacks_holdout11: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout12.jsonl",
            "prompt_attacks_holdout12: 100 attacks, 100 look-alikes; trained on since stop 34",
        ),
        (
            "prompt_attacks_holdout13.jsonl",
            "prompt_attacks_holdout13: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout14.jsonl",
            "prompt_attacks_holdout14: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout15.jsonl",
            "prompt_attacks_holdout15: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout16.jsonl",
            "prompt_attacks_holdout16: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout17.jsonl",
            "prompt_attacks_holdout17: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout18.jsonl",
            "prompt_attacks_holdout18: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout19.jsonl",
            "prompt_attacks_holdout19: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout20.jsonl",
            "prompt_attacks_holdout20: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout21.jsonl",
            "prompt_attacks_holdout21: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout22.jsonl",
            "prompt_attacks_holdout22: 100 attacks, 100 look-alikes; read since, trained on",
        ),
        (
            "prompt_attacks_holdout23.jsonl",
            "prompt_attacks_holdout23: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout24.jsonl",
            "prompt_attacks_holdout24: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout25.jsonl",
            "prompt_attacks_holdout25: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout26.jsonl",
            "prompt_attacks_holdout26: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout27.jsonl",
            "prompt_attacks_holdout27: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout28.jsonl",
            "prompt_attacks_holdout28: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout29.jsonl",
            "prompt_attacks_holdout29: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout30.jsonl",
            "prompt_attacks_holdout30: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout31.jsonl",
            "prompt_attacks_holdout31: 100 attacks, 100 look-alikes; read since, a development set",
        ),
        (
            "prompt_attacks_holdout32.jsonl",
            "prompt_attacks_holdout32: 100 attacks, 100 look-alikes; never read while tuning",
        ),
        (
            "prompt_attacks_holdout33.jsonl",
            "prompt_attacks_holdout33: 100 attacks, 100 look-alikes; never read while tuning",
        ),
    ]
    topics.MORE = [
        (folder / "topics_more.jsonl", "70 of 90 negatives are hard near misses; read since, a development set now"),
        (folder / "topics_holdout2.jsonl", "80 of 100 negatives are hard near misses; read since, a development set"),
        (folder / "topics_holdout3.jsonl", "100 of 125 negatives are hard near misses; read since, a development set"),
        (folder / "topics_holdout4.jsonl", "100 of 125 negatives are hard near misses; read since, a development set"),
        (folder / "topics_holdout5.jsonl", "100 of 125 negatives are hard near misses; never read while tuning"),
    ]
    return [m for m in modules if getattr(m, "NAME", "") in HOLDOUT]


def report(scores: list[Score], holdout: bool = False, classifier: str | None = None) -> str:
    rows = [
        [
            s.policy,
            str(s.cases),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{s.false_positive_rate:.3f}"
            if s.true_negatives or not s.false_positives
            else "-",  # no negatives labelled
            f"{statistics.median(s.latency_ms):.3f}" if s.latency_ms else "-",
            s.note,
        ]
        for s in scores
    ]
    title, where = "Guardrail policies: quality", "`bench/guardrail_evals/data/`"
    if holdout:
        title, where = (
            "Guardrail policies: quality on held-out cases",
            (
                "`bench/guardrail_evals/data/holdout/` (written by someone who had seen neither the detectors "
                "nor any result; the notes say which sets have been read since, while tuning them)"
            ),
        )
    command = f"bench/guardrails_eval.py{' --holdout' if holdout else ''}"
    wired = ""
    if classifier:
        title += ", with a trained classifier"
        command += " --only content --classifier DIR"
        wired = (
            " The content filters also run the classifier `strata guardrails train-classifier` wrote (as"
            " `STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH` wires it; trained on the sets the notes call development"
            " sets, the training sets of `bench/guardrail_evals/data/training/` and the shipped seeds, never on a"
            " set they call never read, and calibrated on that folder's calibration set: the command is in its"
            " README)."
        )
    return "\n".join(
        [
            f"## {title} (`{command}`)",
            "",
            f"Labelled cases in {where}; a case is positive when the policy should fire. "
            f"Latency: the median per case, in process.{wired}",
            "",
            markdown_table(["policy", "cases", "precision", "recall", "false-positive rate", "ms/case", "note"], rows),
            "",
            machine_line(("torch", "sentence-transformers", "onnxruntime")),
        ]
    )


async def run(only: set[str] | None, holdout: bool = False) -> list[Score]:
    from bench.guardrail_evals import topics

    scores: list[Score] = []
    modules = evaluators(only)
    for module in use_holdout(modules) if holdout else modules:
        scores += await module.evaluate()  # type: ignore[attr-defined]
    if holdout:  # the notes describe the tuned sets
        for score in scores:
            if score.policy.startswith("prompt attacks") and "holdout" not in score.note:
                score.note = "prompt_attacks.jsonl: 65 attacks, 65 look-alikes; read since, a development set"
            elif score.note == topics.NOTE:
                score.note = "held-out when scored first; its failures read since: a development set now"
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated evaluator names")
    parser.add_argument("--holdout", action="store_true", help="score the held-out sets in data/holdout/")
    parser.add_argument("--classifier", metavar="DIR", help="a trained classifier for the content filters")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    if args.classifier:
        from bench.guardrail_evals import content

        content.CLASSIFIER = args.classifier
    text = report(asyncio.run(run(only, args.holdout)), args.holdout, args.classifier)
    print(text)
    section = "guardrails_eval_holdout" if args.holdout else "guardrails_eval"
    if not args.no_write and args.classifier and only == {"content"}:
        write_section(section + "_classifier", text)
    elif not args.no_write and only is None:
        write_section(section, text)


if __name__ == "__main__":
    main()
