"""The content check a PROMPT_ATTACK filter at MEDIUM builds, with the embedded MiniLM and the
shipped seeds and head: what the prompt-attack tests that need the embedding signals run."""

from __future__ import annotations

import asyncio

from gateway.guardrails.definition import ContentPolicyConfig, Side
from gateway.guardrails.policies import content
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.semantic.content import ContentCheck
from gateway.guardrails.semantic.seeds import SeedIndex
from tests.support.embedder import MiniLMEmbedder


def prompt_attack_check() -> ContentCheck:
    embedder = MiniLMEmbedder()
    resources = Resources(embedder=embedder, extras={content.SEED_INDEX: SeedIndex(embedder)})
    filters = [{"type": "PROMPT_ATTACK", "inputStrength": "MEDIUM", "outputStrength": "NONE"}]
    (built,) = content.checks(ContentPolicyConfig(filtersConfig=filters), Side.INPUT, resources)
    assert isinstance(built, ContentCheck)
    return built


def attack_confidence(check: ContentCheck, text: str) -> str:
    """PROMPT_ATTACK's confidence for ``text`` from every signal (seeds, head, patterns)."""
    return asyncio.run(check.confidences([TextUnit(text)]))["PROMPT_ATTACK"]
