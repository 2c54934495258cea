"""The content filters' labelled seed set, ``gateway/guardrails/data/content_seeds.jsonl``.

One JSON object a line: ``text``, ``category`` (a content filter type, or BENIGN) and
``confidence`` (LOW, MEDIUM or HIGH: how clearly the text belongs to its category; NONE for
BENIGN). Benign seeds include near misses on purpose ("how do I kill a zombie process"), so that
a word alone does not decide. The seeds are written for Strata, not copied from a dataset, and
kept apart from the evaluation sets in bench/guardrail_evals/data/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources as package_files

import numpy as np
import numpy.typing as npt

from gateway.guardrails.policies.base import Embedder
from gateway.guardrails.semantic.vectors import FixedTexts

CATEGORIES = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK")
SEVERITY = {"NONE": 0.0, "LOW": 1 / 3, "MEDIUM": 2 / 3, "HIGH": 1.0}


@dataclass(frozen=True, slots=True)
class Seeds:
    texts: tuple[str, ...]
    category: npt.NDArray[np.int64]  # index into CATEGORIES; -1 for BENIGN
    severity: npt.NDArray[np.float32]  # SEVERITY of the seed's confidence


def parse(lines: list[str]) -> Seeds:
    """Seeds from JSON lines; an unknown category or confidence is an error, not a silent skip."""
    texts, category, severity = [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        name, level = row["category"], row["confidence"]
        if (name != "BENIGN" and name not in CATEGORIES) or level not in SEVERITY:
            raise ValueError(f"content seed {number}: unknown category {name!r} or confidence {level!r}")
        texts.append(str(row["text"]))
        category.append(-1 if name == "BENIGN" else CATEGORIES.index(name))
        severity.append(SEVERITY[level])
    return Seeds(tuple(texts), np.asarray(category, dtype=np.int64), np.asarray(severity, dtype=np.float32))


@cache
def shipped() -> Seeds:
    """The seed set shipped in the package (read once: it is a constant of the release)."""
    text = package_files.files("gateway.guardrails.data").joinpath("content_seeds.jsonl").read_text(encoding="utf-8")
    return parse(text.splitlines())


class SeedIndex:
    """The seeds and their embeddings (computed once, on first use or ``prepare``). One index can
    serve every guardrail that shares an embedder: see ``policies/content.py``'s ``SEED_INDEX``."""

    def __init__(self, embedder: Embedder, seeds: Seeds | None = None) -> None:
        self.seeds = seeds or shipped()
        self.vectors = FixedTexts(embedder, self.seeds.texts)

    @property
    def embedder(self) -> Embedder:
        return self.vectors.embedder
