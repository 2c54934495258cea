"""The denied-topic policy's generic weight and threshold, chosen on every set it may be tuned on.

    .venv/bin/python bench/guardrail_topic_grid.py

``bench/guardrail_calibrate.py`` chooses them on other topics alone (never reading an evaluation
set). Once the evaluation sets had been read (the tuned set, the first held-out set and
``topics_more.jsonl``: their failures were described in BENCHMARKS.md), choosing on the calibration
set alone was shown to generalise poorly: its pick (the weight with the best recall there) let 6-8%
of the evaluation sets' near misses through. This script scores a grid of weights and thresholds
on the calibration set and the development sets (every evaluation set read so far, now including
``topics_holdout2.jsonl`` to ``topics_holdout4.jsonl``), and picks the pair whose worst recall
over them is the highest among those whose worst false-positive rate stays <= 5% (ties: the
lower worst false-positive rate, then the weight nearest 1). It never reads
``topics_holdout5.jsonl``: that set judges the choice.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.guardrails.policies.base import TextUnit  # noqa: E402
from gateway.guardrails.semantic.topics import Topic, TopicCheck  # noqa: E402
from tests.support.embedder import MiniLMEmbedder  # noqa: E402

EVALS = ROOT / "bench" / "guardrail_evals" / "data"
SETS = {
    "calibration": ROOT / "bench" / "guardrail_calibration" / "topics.jsonl",
    "tuned": EVALS / "topics.jsonl",
    "holdout (read)": EVALS / "holdout" / "topics.jsonl",
    "topics_more": EVALS / "holdout" / "topics_more.jsonl",
    "holdout2 (read)": EVALS / "holdout" / "topics_holdout2.jsonl",
    "holdout3 (read)": EVALS / "holdout" / "topics_holdout3.jsonl",
    "holdout4 (read)": EVALS / "holdout" / "topics_holdout4.jsonl",
}
WEIGHTS = (0.75, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.25)
THRESHOLDS = tuple(round(-0.08 + 0.01 * i, 2) for i in range(24))  # -0.08 .. 0.15
TARGET_FPR = 0.05

Scores = list[tuple[str | None, dict[str, float]]]


async def set_scores(path: Path, weight: float, embedder: MiniLMEmbedder) -> Scores:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    made = [Topic.of(t["name"], t["definition"], t.get("examples", []), "BLOCKED") for t in lines[0]["topics"]]
    check = TopicCheck(made, embedder, generic_weight=weight)
    await check.prepare()
    return [(c.get("topic"), await check.scores([TextUnit(str(c["text"]))])) for c in lines[1:]]


def rates(rows: Scores, threshold: float) -> tuple[float, float]:
    """(recall, false-positive rate) at the threshold."""
    positives = [s[t] >= threshold for t, s in rows if t is not None]
    negatives = [max(s.values()) >= threshold for t, s in rows if t is None]
    return sum(positives) / max(1, len(positives)), sum(negatives) / max(1, len(negatives))


async def main() -> None:
    embedder = MiniLMEmbedder()
    best: tuple[tuple[float, float, float], float, float] | None = None
    for weight in WEIGHTS:
        scored = {name: await set_scores(path, weight, embedder) for name, path in SETS.items()}
        for threshold in THRESHOLDS:
            per_set = {name: rates(rows, threshold) for name, rows in scored.items()}
            worst_recall = min(r for r, _ in per_set.values())
            worst_fpr = max(f for _, f in per_set.values())
            if worst_fpr > TARGET_FPR:
                continue
            key = (worst_recall, -worst_fpr, -abs(weight - 1.0))
            print(
                f"weight {weight} threshold {threshold}: "
                + ", ".join(f"{n} R {r:.3f} FPR {f:.3f}" for n, (r, f) in per_set.items())
            )
            if best is None or key > best[0]:
                best = (key, weight, threshold)
    if best is None:
        print("no weight and threshold keep every set's false positives <= 5%")
        return
    (worst_recall, neg_fpr, _), weight, threshold = best
    print(f"chosen: generic weight {weight}, threshold {threshold}: ", end="")
    print(f"worst recall {worst_recall:.3f}, worst FPR {-neg_fpr:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
