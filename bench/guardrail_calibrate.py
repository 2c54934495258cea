"""How the thresholds of the embedding-based guardrail policies were chosen, reproducibly.

    .venv/bin/python bench/guardrail_calibrate.py [--only topics,content,grounding]

Nothing here reads the evaluation sets (bench/guardrail_evals/data/): topics are calibrated on other
topics (bench/guardrail_calibration/topics.jsonl), the content filters by leaving each seed out of
the seed set (gateway/guardrails/data/content_seeds.jsonl), grounding on
bench/guardrail_calibration/grounding.jsonl. It prints the chosen values; they are written into
the modules by hand, with this script named there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.guardrails.policies.base import GROUNDING_SOURCE, QUERY, TextUnit  # noqa: E402
from gateway.guardrails.semantic import attacks, intent  # noqa: E402
from gateway.guardrails.semantic.content import RANK  # noqa: E402
from gateway.guardrails.semantic.grounding import GroundingCheck  # noqa: E402
from gateway.guardrails.semantic.neighbours import (  # noqa: E402
    FLOOR_TARGETS,
    NULL_SIMILARITY,
    TEMPERATURE,
    K,
    evidence,
)
from gateway.guardrails.semantic.seeds import CATEGORIES, Seeds, shipped  # noqa: E402
from gateway.guardrails.semantic.topics import Topic, TopicCheck  # noqa: E402
from gateway.guardrails.semantic.vectors import FixedTexts, similarities  # noqa: E402
from tests.support.embedder import MiniLMEmbedder  # noqa: E402

CALIBRATION = ROOT / "bench" / "guardrail_calibration"
TARGET_FPR = 0.05


def lowest_threshold(negatives: list[float], target: float = TARGET_FPR) -> float:
    """The lowest threshold (rounded up to 0.01) at which at most ``target`` of the negatives reach it."""
    ranked = sorted(negatives, reverse=True)
    allowed = int(target * len(ranked))  # negatives allowed at or above the threshold
    above = ranked[allowed] if allowed < len(ranked) else 0.0
    return float(np.ceil(above * 100 + 1e-9) / 100)


def topic_cases() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines = [json.loads(line) for line in (CALIBRATION / "topics.jsonl").read_text().splitlines() if line]
    return lines[0]["topics"], lines[1:]


async def topic_scores(by_definition: bool, weight: float = 0.0) -> list[tuple[str | None, dict[str, float]]]:
    topics, cases = topic_cases()
    made = [Topic.of(t["name"], t["definition"], [] if by_definition else t["examples"], "BLOCKED") for t in topics]
    check = TopicCheck(made, MiniLMEmbedder(), generic_weight=weight)
    return [(c.get("topic"), await check.scores([TextUnit(str(c["text"]))])) for c in cases]


Rows = list[tuple[str | None, dict[str, float]]]


def best_weight(by_weight: dict[float, Rows], names: list[str]) -> tuple[float, float]:
    """The generic weight (and its threshold) with the best recall on ``names`` at <= 5% false
    positives, then the best at 0%, then the smallest weight."""

    def key(weight: float) -> tuple[float, float, float]:
        rows = [(t, {n: v for n, v in s.items() if n in names}) for t, s in by_weight[weight] if t in (*names, None)]
        negatives = [max(s.values()) for t, s in rows if t is None]
        strict = lowest_threshold(negatives, 0.0)
        return _recall(rows, lowest_threshold(negatives), names), _recall(rows, strict, names), -weight

    weight = max(by_weight, key=key)
    rows = [(t, {n: v for n, v in s.items() if n in names}) for t, s in by_weight[weight] if t in (*names, None)]
    return weight, lowest_threshold([max(s.values()) for t, s in rows if t is None])


def topic_report(by_weight: dict[float, Rows], label: str) -> float:
    names = sorted({name for _, s in next(iter(by_weight.values())) for name in s})
    for weight, rows in by_weight.items():
        negatives = [max(s.values()) for topic, s in rows if topic is None]
        at5, at0 = lowest_threshold(negatives), lowest_threshold(negatives, 0.0)
        print(
            f"  generic weight {weight}: threshold {at5}, recall {_recall(rows, at5, names):.3f}; "
            f"at 0% false positives {at0}, recall {_recall(rows, at0, names):.3f}"
        )
    weight, threshold = best_weight(by_weight, names)
    rows = by_weight[weight]
    fires = [max(s.values()) >= threshold for t, s in rows if t is None]
    print(
        f"{label}: generic weight {weight}, threshold at <= {TARGET_FPR:.0%} false positives on the other "
        f"topics' near misses: {threshold}"
    )
    print(f"  recall there: {_recall(rows, threshold, names):.3f}, false positives {np.mean(fires):.3f}")
    for held_out in names:  # choose on three topics, measure on the fourth
        chosen_weight, chosen = best_weight(by_weight, [n for n in names if n != held_out])
        own = [(t, {held_out: s[held_out]}) for t, s in by_weight[chosen_weight] if t in (held_out, None)]
        fpr = np.mean([s[held_out] >= chosen for t, s in own if t is None])
        print(
            f"  left out {held_out!r}: weight {chosen_weight}, threshold {chosen}, "
            f"its recall {_recall(own, chosen, [held_out]):.3f}, its false positives {fpr:.3f}"
        )
    return threshold


def _recall(rows: Rows, threshold: float, names: list[str]) -> float:
    positives = [s[t] >= threshold for t, s in rows if t is not None and t in names]
    return float(np.mean(positives)) if positives else 1.0


async def calibrate_topics() -> None:
    weights = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)  # of the cosine to the nearest generic request
    by_weight = {w: await topic_scores(False, w) for w in weights}
    topic_report(by_weight, "topics with examples")
    topic_report({0.0: await topic_scores(True)}, "topics by definition only (no generic term)")


async def seed_similarities() -> tuple[Seeds, np.ndarray]:
    """The seeds, and each seed's similarity to every other (itself masked out: leave one out)."""
    seeds = shipped()
    _, vectors = await FixedTexts(MiniLMEmbedder(), []).embed_with(list(seeds.texts))
    sims = similarities(vectors, vectors)
    np.fill_diagonal(sims, -1.0)
    return seeds, sims


def mean_auc(seeds: Seeds, found: np.ndarray) -> float:
    """Mean over categories of the chance that a seed of the category has more evidence for it than
    a seed of any other label."""
    aucs = []
    for c in range(len(CATEGORIES)):
        pos, neg = found[seeds.category == c, c], found[seeds.category != c, c]
        aucs.append(float(np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == neg[None, :])))
    return float(np.mean(aucs))


def joint_floors(benign: np.ndarray, own: list[np.ndarray], target: float, least: float = 0.1) -> list[float]:
    """Per-category floors that find the most seeds of their own category while the share of benign
    seeds reaching any floor stays within ``target``. Greedy: each step lowers the one floor, to
    whichever lower value, that finds the most more positives per benign seed it lets in (ties: the
    smaller step). ``own[c]``: evidence of category c's seeds that the patterns did not already find.
    A floor is never under ``least``."""
    floors = [1.01] * benign.shape[1]

    def cost(trial: list[float]) -> float:
        return float(np.mean((benign >= np.asarray(trial)).any(axis=1)))

    while True:
        best: tuple[float, float, int, float] | None = None
        spent = cost(floors)
        for c, values in enumerate(own):
            for value in sorted({float(v) for v in values if least <= v < floors[c]}, reverse=True):
                trial = [*floors[:c], value, *floors[c + 1 :]]
                extra = cost(trial)
                if extra > target:
                    break
                gained = float(np.sum(values >= value)) - float(np.sum(values >= floors[c]))
                ratio = gained / (extra - spent + 1.0 / len(benign))
                if best is None or (ratio, value) > best[:2]:
                    best = (ratio, value, c, value)
        if best is None:
            return [round(f, 3) for f in floors]
        floors[best[2]] = best[3]


def pattern_confidences(text: str) -> dict[str, str]:
    """What the patterns alone say of ``text``, per category."""
    found = dict.fromkeys(CATEGORIES, "NONE")
    found.update(intent.confidences(text))
    found["PROMPT_ATTACK"] = attacks.confidence(text)
    return found


async def calibrate_content() -> None:
    seeds, sims = await seed_similarities()
    grid = [(k, t, n) for k in (5, 7, 10, 15) for t in (0.05, 0.1, 0.2) for n in (0.3, 0.4, 0.5, 0.6)]
    scored = sorted(((mean_auc(seeds, evidence(sims, seeds, k, t, n)), (k, t, n)) for k, t, n in grid), reverse=True)
    print("content, leave one seed out: best mean AUC over categories (K, T, null similarity):")
    for auc, params in scored[:5]:
        print(f"  {auc:.4f} {params}")
    found = evidence(sims, seeds, K, TEMPERATURE, NULL_SIMILARITY)
    print(f"  in use: {(K, TEMPERATURE, NULL_SIMILARITY)}, mean AUC {mean_auc(seeds, found):.4f}")
    benign = found[seeds.category == -1]
    print(
        f"  per-category floors finding the most seeds while the share of benign seeds reaching any "
        f"floor stays within {FLOOR_TARGETS}:"
    )
    rules = [pattern_confidences(text) for text in seeds.texts]
    table: dict[str, list[float]] = {}
    for level, target in FLOOR_TARGETS.items():
        own = [
            found[(seeds.category == c) & np.array([RANK[r[name]] < RANK[level] for r in rules]), c]
            for c, name in enumerate(CATEGORIES)
        ]
        table[level] = joint_floors(benign, own, target)
    for c, name in enumerate(CATEGORIES):
        mine = [i for i in range(len(seeds.texts)) if seeds.category[i] == c]
        floors = {level: table[level][c] for level in FLOOR_TARGETS}
        recalls = []
        for level, floor in floors.items():
            hit = [found[i, c] >= floor or RANK[rules[i][name]] >= RANK[level] for i in mine]
            recalls.append(f"{level} {float(np.mean(hit)):.2f}")
        print(
            f"  {name!r}: {tuple(floors.values())},  # its seeds found at each, with the patterns: {', '.join(recalls)}"
        )
    falsely = [
        t
        for t, r, c in zip(seeds.texts, rules, seeds.category, strict=True)
        if c == -1 and any(v != "NONE" for v in r.values())
    ]
    print(f"  benign seeds the patterns flag: {falsely}")


def quarter(values: list[float], q: float) -> float:
    return round(float(np.quantile(values, q)), 2)


async def calibrate_grounding() -> None:
    """Raw cosines (ramps of (0, 1)) of the calibration answers, and the ramps they give."""
    cases = [json.loads(line) for line in (CALIBRATION / "grounding.jsonl").read_text().splitlines() if line]
    check = GroundingCheck([], MiniLMEmbedder(), ramps=((0.0, 1.0), (0.0, 1.0)))  # raw cosines
    grounded: list[float] = []
    unsupported: list[float] = []
    relevant: list[float] = []
    irrelevant: list[float] = []
    for case in cases:
        units = [
            TextUnit(case["source"], frozenset({GROUNDING_SOURCE})),
            TextUnit(case["query"], frozenset({QUERY})),
            TextUnit(case["answer"]),
        ]
        scores = await check.scores(units)
        if case["kind"] == "grounded":
            grounded.append(scores["GROUNDING"])
        elif case["kind"] == "ungrounded":
            unsupported.append(scores["GROUNDING"])
        (relevant if case["relevant"] else irrelevant).append(scores["RELEVANCE"])
    print("grounding: raw cosine of supported answers", sorted(round(v, 2) for v in grounded))
    print("           of unsupported answers", sorted(round(v, 2) for v in unsupported))
    print(f"  ramp: ({quarter(unsupported, 0.75)}, {quarter(grounded, 0.25)})")
    print("relevance: raw cosine of relevant answers", sorted(round(v, 2) for v in relevant))
    print("           of irrelevant answers", sorted(round(v, 2) for v in irrelevant))
    print(f"  ramp: ({quarter(irrelevant, 0.75)}, {quarter(relevant, 0.25)})")


async def main(only: set[str] | None) -> None:
    if only is None or "topics" in only:
        await calibrate_topics()
    if only is None or "content" in only:
        await calibrate_content()
    if only is None or "grounding" in only:
        await calibrate_grounding()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated: topics,content,grounding")
    args = parser.parse_args()
    asyncio.run(main(set(args.only.split(",")) if args.only else None))
