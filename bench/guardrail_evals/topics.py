"""Denied topics on bench/guardrail_evals/data/topics.jsonl: three topics (investment advice, medical
diagnosis, politics) with five examples each; on-topic requests phrased many ways, near misses
that share the topic's words, plain requests, and long texts with one request inside.

A positive case counts as found when its own topic fires; any topic firing on a negative case is
a false positive. Latency: one guardrail check per case, the topic examples embedded beforehand,
all-MiniLM-L6-v2 on CPU.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.guardrail_evals.score import Score
from gateway.guardrails.definition import Side, TopicPolicyConfig
from gateway.guardrails.policies import topics
from gateway.guardrails.policies.base import Resources, TextUnit
from tests.support.embedder import MiniLMEmbedder

NAME = "topics"
DATA = Path(__file__).parent / "data" / "topics.jsonl"
NOTE = "3 topics x 5 examples; near misses share the topics' words; a later batch"
MORE: list[tuple[Path, str]] = []  # further sets scored the same way (the holdout run's second one)


async def evaluate() -> list[Score]:
    return [await _evaluate(path, note) for path, note in ((DATA, NOTE), *MORE)]


async def _evaluate(path: Path, note: str) -> Score:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    config = TopicPolicyConfig(topicsConfig=lines[0]["topics"])
    (check,) = topics.checks(config, Side.INPUT, Resources(embedder=MiniLMEmbedder()))
    await check.prepare()  # type: ignore[attr-defined]
    score = Score("denied topics", note=note)
    for case in lines[1:]:
        started = time.perf_counter()
        found = {d.entry["name"] for d in await check.detect([TextUnit(case["text"])])}
        score.latency_ms.append((time.perf_counter() - started) * 1000)
        expected = case["topic"]
        score.add(expected is not None, expected in found if expected else bool(found))
    return score
