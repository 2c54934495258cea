"""Contextual grounding: is the answer supported by its sources, and does it address the query?

Grounding: each sentence of the answer is scored by its best cosine to any sentence (or window)
of the sources; a sentence with a number the sources never mention is halved, since a sentence
model hardly tells "100 GB" from "500 GB". The answer's score is the mean of its weakest sentence
and of all its sentences: one invented claim pulls it down, a filler sentence ("Sure, here you
go.") alone does not sink it. Relevance: the best cosine of the answer, whole or by sentence, to
the query. Both cosines go through a linear ramp into [0, 1].

The ramps were chosen by ``bench/guardrail_calibrate.py --only grounding`` on
``bench/guardrail_calibration/grounding.jsonl``: 1 at or above the cosine three quarters of the
supported (relevant) answers reach, 0 at or below the cosine three quarters of the unsupported
(irrelevant) ones stay under, so the configured threshold trades between the two in between.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from gateway.guardrails.assessment import GROUNDING, Detection
from gateway.guardrails.policies.base import GROUNDING_SOURCE, QUERY, Embedder, TextUnit
from gateway.guardrails.semantic.segments import segments, sentences
from gateway.guardrails.semantic.vectors import Matrix, matrix, similarities

GROUNDING_RAMP = (0.61, 0.78)  # cosine that scores 0, cosine that scores 1
RELEVANCE_RAMP = (0.24, 0.59)
UNSUPPORTED_NUMBER = 0.5  # a sentence's grounding is multiplied by this when it has a number the sources lack
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def ramp(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def grounding(
    answer: Sequence[str], vectors: Matrix, sources: Matrix, source_text: str, bounds: tuple[float, float]
) -> float:
    """The grounding score of an answer (its sentences ``answer``, their ``vectors``) in sources."""
    if not answer or sources.shape[0] == 0:
        return 0.0
    best = similarities(vectors, sources).max(axis=1)
    known = numbers(source_text)
    scores = [
        ramp(float(b), bounds) * (UNSUPPORTED_NUMBER if numbers(sentence) - known else 1.0)
        for sentence, b in zip(answer, best, strict=True)
    ]
    return (min(scores) + float(np.mean(scores))) / 2


def relevance(answer: Matrix, query: Matrix, bounds: tuple[float, float]) -> float:
    """The relevance score of an answer (its pieces' vectors) to the query (its vectors)."""
    sims = similarities(answer, query)
    return ramp(float(sims.max()), bounds) if sims.size else 0.0


class GroundingCheck:
    """The grounding and relevance filters, on model output that carries sources and a query."""

    policy = "contextualGroundingPolicy"

    def __init__(
        self,
        filters: Sequence[tuple[str, float, str]],
        embedder: Embedder,
        ramps: tuple[tuple[float, float], tuple[float, float]] = (GROUNDING_RAMP, RELEVANCE_RAMP),
    ) -> None:
        self.filters = tuple(filters)  # (GROUNDING or RELEVANCE, threshold, action when under it)
        self.embedder = embedder
        self.ramps = ramps

    async def scores(self, units: Sequence[TextUnit]) -> dict[str, float]:
        """GROUNDING (when there are sources) and RELEVANCE (when there is a query) of the answer:
        the units that are neither sources nor queries. Nothing to score: an empty dict."""
        sources = " ".join(u.text for u in units if GROUNDING_SOURCE in u.qualifiers)
        query = " ".join(u.text for u in units if QUERY in u.qualifiers)
        answer = " ".join(u.text for u in units if not u.qualifiers & {GROUNDING_SOURCE, QUERY})
        claims = [s for s in sentences(answer) if s.strip()]
        if not claims or not (sources.strip() or query.strip()):
            return {}
        pieces = segments(answer)
        evidence = sentences(sources) if sources.strip() else []
        asked = [query] if query.strip() else []
        rows = matrix(await self.embedder.embed([*claims, *pieces, *evidence, *asked]))
        a, b, c = len(claims), len(claims) + len(pieces), len(claims) + len(pieces) + len(evidence)
        out: dict[str, float] = {}
        if evidence:
            out["GROUNDING"] = grounding(claims, rows[:a], rows[b:c], sources, self.ramps[0])
        if asked:
            out["RELEVANCE"] = relevance(rows[a:b], rows[c:], self.ramps[1])
        return out

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        return [d for d in await self.evaluate(units) if d.detected]

    async def evaluate(self, units: Sequence[TextUnit]) -> list[Detection]:
        """Each scored filter, fired or not (``detected``): what outputScope FULL shows."""
        scores = await self.scores(units)
        found = []
        for kind, threshold, action in self.filters:
            if kind in scores:
                entry = {"type": kind, "threshold": threshold, "score": round(scores[kind], 2)}
                caught = scores[kind] < threshold
                found.append(Detection(GROUNDING, entry, action if caught else "NONE", detected=caught))  # type: ignore[arg-type]
        return found
