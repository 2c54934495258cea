"""Content categories from the nearest seeds, as Bedrock's confidence levels.

For each piece of text, its ``K`` most similar seeds vote, weighted by ``exp(similarity / T)``,
with the seed's severity (LOW 1/3, MEDIUM 2/3, HIGH 1; benign seeds vote 0). One virtual benign
neighbour at similarity ``NULL_SIMILARITY`` joins every vote, so text that resembles no seed
closely stays benign instead of taking its label from distant neighbours. A category's evidence is
its share of the vote, in [0, 1]; each category's ``FLOORS`` turn evidence into NONE, LOW, MEDIUM
or HIGH.

K, T, the null similarity and the floors were chosen by ``bench/guardrail_calibrate.py --only
content``, leaving each seed out and classifying it by the others (K, T and the null similarity
within 0.001 of the best mean AUC, 0.989). The floors find the most seeds of each category, beyond
those the patterns (``intent.py``, ``attacks.py``) already find, while the benign seeds, most of
them written as near misses, reaching any category's floor stay within ``FLOOR_TARGETS``: so a
filter's strength is a false-positive budget on near misses: LOW confidence (what HIGH strength
blocks) about 10%, MEDIUM 5%, HIGH 2%. Ordinary text is flagged far less often than near misses.
"""

from __future__ import annotations

import numpy as np

from gateway.guardrails.semantic.seeds import CATEGORIES, Seeds
from gateway.guardrails.semantic.vectors import Matrix

K = 10
TEMPERATURE = 0.2
NULL_SIMILARITY = 0.5
FLOOR_TARGETS = {"HIGH": 0.02, "MEDIUM": 0.05, "LOW": 0.10}
# Evidence at or above: that confidence (HIGH, MEDIUM, LOW), per category.
FLOORS = {
    "HATE": (0.482, 0.325, 0.325),
    "INSULTS": (0.276, 0.164, 0.276),
    "SEXUAL": (0.501, 0.501, 0.501),
    "VIOLENCE": (0.423, 0.439, 0.245),
    "MISCONDUCT": (0.618, 0.618, 0.483),
    "PROMPT_ATTACK": (0.658, 0.679, 0.679),
}
_LEVELS = ("HIGH", "MEDIUM", "LOW")


def evidence(
    sims: Matrix, seeds: Seeds, k: int = K, temperature: float = TEMPERATURE, null: float = NULL_SIMILARITY
) -> Matrix:
    """Each piece's evidence for each category (pieces x CATEGORIES), from its similarities to the
    seeds (pieces x seeds)."""
    if sims.shape[0] == 0 or sims.shape[1] == 0:
        return np.zeros((sims.shape[0], len(CATEGORIES)), dtype=np.float32)
    k = min(k, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    near = np.take_along_axis(sims, nearest, axis=1)
    weights = np.exp((near - 1.0) / temperature)
    total = weights.sum(axis=1) + np.exp((null - 1.0) / temperature)
    votes = weights * seeds.severity[nearest]
    labels = seeds.category[nearest]
    columns = [(votes * (labels == c)).sum(axis=1) for c in range(len(CATEGORIES))]
    shares: Matrix = (np.stack(columns, axis=1) / total[:, None]).astype(np.float32)
    return shares


def level(category: str, value: float) -> str:
    """The confidence that ``value`` of evidence for ``category`` gives: NONE, LOW, MEDIUM or HIGH."""
    for name, floor in zip(_LEVELS, FLOORS[category], strict=True):
        if value >= floor:
            return name
    return "NONE"
