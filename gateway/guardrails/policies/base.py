"""The contract between the engine and the policies: text units in, detections out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gateway.guardrails.assessment import Detection

GROUNDING_SOURCE, QUERY, GUARD_CONTENT = "grounding_source", "query", "guard_content"
# Text the caller sends that no user wrote in this turn's role: system prompts, earlier answers,
# tool results. Word and sensitive-information policies read it (a card number must not reach a
# model from a tool result either); topics and content filters read what users say (a system
# prompt's "ignore ..." is no prompt attack), as Bedrock's do.
CONTEXT = "context"
PATTERN_POLICIES = frozenset(("wordPolicy", "sensitiveInformationPolicy"))


@dataclass(frozen=True, slots=True)
class TextUnit:
    """One piece of text to guard, with Bedrock's qualifiers (grounding_source, query,
    guard_content) saying what it is for."""

    text: str
    qualifiers: frozenset[str] = frozenset()


class Check(Protocol):
    """One policy's check on one side. ``policy`` is its assessment section (``wordPolicy``...),
    for the usage units; ``detect`` looks at the units it guards and reports what it found."""

    @property
    def policy(self) -> str: ...

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]: ...


def waits(check: Check) -> bool:
    """Whether a check waits on something (the embedding model, a thread): those run concurrently
    as tasks; pattern checks declare ``waits = False`` and run inline, which costs no task."""
    return bool(getattr(check, "waits", True))


class Embedder(Protocol):
    """Sentence embeddings (unit length), computed off the event loop by a local model."""

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


@dataclass(frozen=True, slots=True)
class Resources:
    """What checks may need from the gateway: an embedder (topics, content filters, grounding), and
    a local token-classification model for the PII types patterns cannot find (NAME, ADDRESS...)."""

    embedder: Embedder | None = None
    ner_model_path: str | None = None
    extras: dict[str, object] = field(default_factory=dict)


def action_for(side: str, action: str | None, input_action: str | None, output_action: str | None) -> str:
    """The action configured for ``side`` (INPUT/OUTPUT), falling back to the common ``action``."""
    chosen = input_action if side == "INPUT" else output_action
    return chosen or action or "BLOCK"


def reported(action: str) -> str:
    """A configured action (BLOCK, ANONYMIZE, NONE) as Bedrock reports it (BLOCKED, ANONYMIZED, NONE)."""
    return {"BLOCK": "BLOCKED", "ANONYMIZE": "ANONYMIZED"}.get(action, "NONE")
