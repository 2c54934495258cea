"""Denied topics, matched by meaning: each piece of the text against each topic's examples.

A topic's score for a text is, over the text's pieces (``segments``), the best mean of two
cosines: to the centroid of the topic's example phrases (what the examples share) and to the
nearest example (a close paraphrase of one of them), less ``GENERIC_WEIGHT`` times the piece's
cosine to the nearest generic request (``data/generic_requests.txt``: history, definitions,
translation, plot summaries, opening hours, creative writing, with no subject of their own). The
mean alone kept recall with 2 to 5 examples at one threshold, where the nearest example alone or
the top two drifted with the number of examples; but near misses that share a topic's subject
("the history of casinos", "translate 'jackpot'") scored as high as the requests. What sets
them apart is their form, which is close to a generic request's: the subtraction lowers them and
barely moves a request for advice or an opinion, which no generic request resembles. (A topic
whose own requests take a generic form, say the history of something, is lowered too; its
examples then score low against themselves, and it needs its own threshold.) The definition is
left out when examples exist: it is a description, not a request, and with MiniLM it matched near
misses (history, education, logistics around the topic) about as well as the requests it
describes. A topic without examples is matched on its definition, against its own, stricter
threshold, and catches far fewer phrasings.

The weight and thresholds were chosen on a calibration set of other topics (legal advice, gambling,
religion, dating advice: ``bench/guardrail_calibration/topics.jsonl``, with near misses of each)
by ``bench/guardrail_calibrate.py``: for each weight, the lowest threshold whose false-positive
rate there stays at or under 5%; the weight with the best recall there (then at 0% false
positives, then the smallest), checked by leaving each topic out in turn. There, recall at under
5% false positives went from 0.70 without the generic term to 1.00 with it. They are properties of
the default embedding model (all-MiniLM-L6-v2); another model needs its own calibration
(``TopicCheck(threshold=..., generic_weight=...)``).

Later the evaluation sets' failures were read (factual civics and finance questions flagged: "who
was the first prime minister of India?"), the generic requests gained subject-free factual forms
(who held an office first, when the next one is, what caused an event, a neutral summary), and
the weight and threshold were chosen again by ``bench/guardrail_topic_grid.py``, on the
calibration set and the three evaluation sets read so far together: the highest worst recall with
every set's false positives <= 5% (weight 1.0, threshold 0.03; the calibration set alone picked
1.25, which let 6-8% of the evaluation sets' near misses through). A fourth set, written blind,
still let 10% of its near misses through: questions that ask what something is ("What's an expense
ratio on a mutual fund?", "How does the immune system fight infections?"). So a piece that asks for
facts and says nothing of the asker or a judgement (``forms.py``) is passed over by a topic none of
whose examples asks for facts, and so is a step of a procedure the asker has chosen ("how do I
transfer my pension?"); with that, the grid (every set read so far among its development sets)
chose weight 0.9 and threshold 0.05, and the latest blind set judges
(``bench/guardrails_eval.py --holdout``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources as package_files

import numpy as np

from gateway.guardrails.assessment import TOPICS, Detection
from gateway.guardrails.policies.base import Embedder, TextUnit
from gateway.guardrails.semantic.forms import asks_for_facts
from gateway.guardrails.semantic.segments import segments
from gateway.guardrails.semantic.vectors import FixedTexts, Matrix, similarities

EXAMPLES_THRESHOLD = 0.05  # the mean of two cosines less the weighted generic one (module docstring)
GENERIC_WEIGHT = 0.9  # of a piece's cosine to the nearest generic request
NO_MATCH = -1.0  # the score of a text whose every piece asks for facts, for a topic that asks for none
DEFINITION_THRESHOLD = 0.45  # cosine to the definition, for a topic without examples (no generic term)


@cache
def generic_requests() -> tuple[str, ...]:
    """The shipped generic requests (``data/generic_requests.txt``; ``#`` starts a comment line)."""
    text = package_files.files("gateway.guardrails.data").joinpath("generic_requests.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@dataclass(frozen=True, slots=True)
class Topic:
    """One denied topic on one side: what to compare with, and what a match does."""

    name: str
    anchors: tuple[str, ...]  # the examples, or the definition when there are none
    by_definition: bool
    action: str  # BLOCKED or NONE
    factual: bool = True  # matches requests for facts: some example is one, or it has no examples (forms.py)

    @classmethod
    def of(cls, name: str, definition: str, examples: Sequence[str], action: str) -> Topic:
        phrases = tuple(e for e in (x.strip() for x in examples) if e)
        if phrases:
            return cls(name, phrases, False, action, any(asks_for_facts(p) for p in phrases))
        return cls(name, (definition,), True, action)


def topic_score(
    pieces: Matrix, anchors: Matrix, penalty: Matrix | None = None, passed: np.ndarray | None = None
) -> float:
    """The best, over the pieces (those not ``passed`` over), of the mean of their cosine to the
    anchors' centroid and to the nearest anchor, less each piece's ``penalty`` (its weighted cosine to
    the nearest generic request)."""
    sims = similarities(pieces, anchors)
    if sims.size == 0:
        return 0.0
    centroid = anchors.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    score = (pieces @ centroid + sims.max(axis=1)) / 2
    if penalty is not None:
        score -= penalty
    if passed is not None and passed.any():
        if passed.all():
            return NO_MATCH
        score = score[~passed]
    return float(score.max())


class TopicCheck:
    """Every denied topic of one side, checked with one call to the embedder."""

    policy = "topicPolicy"

    def __init__(
        self,
        topics: Sequence[Topic],
        embedder: Embedder,
        threshold: float = EXAMPLES_THRESHOLD,
        definition_threshold: float = DEFINITION_THRESHOLD,
        generic_weight: float = GENERIC_WEIGHT,
    ) -> None:
        self.topics = tuple(topics)
        self.threshold = threshold
        self.definition_threshold = definition_threshold
        self.generic_weight = generic_weight
        with_examples = any(not t.by_definition for t in self.topics)
        self._generic = len(generic_requests()) if with_examples and generic_weight else 0
        anchors = [a for t in self.topics for a in t.anchors]
        self._anchors = FixedTexts(embedder, [*anchors, *generic_requests()[: self._generic]])

    async def prepare(self) -> None:
        await self._anchors.prepare()

    async def scores(self, units: Sequence[TextUnit]) -> dict[str, float]:
        """Each topic's score for the units (the best over all their pieces)."""
        pieces = [p for unit in units for p in segments(unit.text)]
        if not pieces or not self.topics:
            return {t.name: 0.0 for t in self.topics}
        unique = list(dict.fromkeys(pieces))
        fixed, vectors = await self._anchors.embed_with(unique)
        factual = np.fromiter(map(asks_for_facts, unique), dtype=bool, count=len(unique))
        penalty = None
        if self._generic:
            generic = fixed[fixed.shape[0] - self._generic :]
            penalty = self.generic_weight * similarities(vectors, generic).max(axis=1)
        out: dict[str, float] = {}
        start = 0
        for topic in self.topics:
            end = start + len(topic.anchors)
            # a topic matched on its definition was calibrated without the generic term
            out[topic.name] = topic_score(
                vectors,
                fixed[start:end],
                None if topic.by_definition else penalty,
                None if topic.factual else factual,  # a request for facts asks for no advice (forms.py)
            )
            start = end
        return out

    def matches(self, topic: Topic, score: float) -> bool:
        return score >= (self.definition_threshold if topic.by_definition else self.threshold)

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        return [d for d in await self.evaluate(units) if d.detected]

    async def evaluate(self, units: Sequence[TextUnit]) -> list[Detection]:
        """Each topic, fired or not (``detected``): what outputScope FULL shows."""
        scores = await self.scores(units)
        out = []
        for t in self.topics:
            caught = self.matches(t, scores[t.name])
            action = t.action if caught else "NONE"
            out.append(Detection(TOPICS, {"name": t.name, "type": "DENY"}, action, detected=caught))  # type: ignore[arg-type]
        return out
