"""Content filters on bench/guardrail_evals/data/content.jsonl (HATE, INSULTS, SEXUAL, VIOLENCE,
MISCONDUCT and benign text, near misses included) and prompt_attacks.jsonl (attacks of several
families, and benign instructions that look like them), at two filter strengths.

A positive case counts as found when its own category fires; any filter firing on a benign case is
a false positive. Latency: one guardrail check per case, the seed set embedded beforehand,
all-MiniLM-L6-v2 on CPU.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bench.guardrail_evals.score import Score
from gateway.guardrails.definition import ContentPolicyConfig, Side
from gateway.guardrails.policies import content
from gateway.guardrails.policies.base import Check, Resources, TextUnit
from gateway.guardrails.semantic.seeds import SeedIndex
from tests.support.embedder import MiniLMEmbedder

NAME = "content"
DATA = Path(__file__).parent / "data"
HARMFUL = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
ATTACKS_MORE: list[tuple[str, str]] = []  # further prompt-attack sets in DATA: (file name, note)
CLASSIFIER: str | None = None  # a team classifier's folder, wired as STRATA_GUARDRAIL_CLASSIFIER_MODEL_PATH would


def _cases(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _check(types: tuple[str, ...], strength: str, resources: Resources) -> Check:
    filters = [{"type": t, "inputStrength": strength, "outputStrength": "NONE"} for t in types]
    (check,) = content.checks(ContentPolicyConfig(filtersConfig=filters), Side.INPUT, resources)
    return check


async def _score(check: Check, cases: list[tuple[str, str | None]], policy: str, note: str) -> Score:
    score = Score(policy, note=note)
    for text, expected in cases:
        started = time.perf_counter()
        found = {d.entry["type"] for d in await check.detect([TextUnit(text)])}
        score.latency_ms.append((time.perf_counter() - started) * 1000)
        score.add(expected is not None, expected in found if expected else bool(found))
    return score


async def evaluate() -> list[Score]:
    embedder = MiniLMEmbedder()
    index = SeedIndex(embedder)
    await index.vectors.prepare()
    resources = Resources(
        embedder=embedder, extras={content.SEED_INDEX: index, **content.content_classifier(CLASSIFIER)}
    )
    has_harmful = (DATA / "content.jsonl").is_file()  # the holdout folder has prompt attacks only
    harmful = [(c["text"], c["category"]) for c in _cases("content.jsonl")] if has_harmful else []
    attacks = [(c["text"], "PROMPT_ATTACK" if c["attack"] else None) for c in _cases("prompt_attacks.jsonl")]
    scores = []
    for strength in ("MEDIUM", "HIGH") if harmful else ():
        note = f"5 categories at {strength} strength"
        scores.append(await _score(_check(HARMFUL, strength, resources), harmful, f"content ({strength})", note))
    for strength in ("MEDIUM", "HIGH"):
        note = f"PROMPT_ATTACK at {strength} strength; 6 families + a later batch; benign look-alikes"
        check = _check(("PROMPT_ATTACK",), strength, resources)
        scores.append(await _score(check, attacks, f"prompt attacks ({strength})", note))
    for name, note in ATTACKS_MORE:
        more = [(c["text"], "PROMPT_ATTACK" if c["attack"] else None) for c in _cases(name)]
        for strength in ("MEDIUM", "HIGH"):
            check = _check(("PROMPT_ATTACK",), strength, resources)
            scores.append(await _score(check, more, f"prompt attacks ({strength})", note))
    return scores
