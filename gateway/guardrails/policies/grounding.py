"""Contextual grounding (Bedrock's contextual grounding policy): on model output, GROUNDING (is
the answer supported by the grounding sources?) and RELEVANCE (does it answer the query?) scores
in [0, 1], blocked under each filter's threshold. ``semantic/grounding.py`` says how they are
computed. As in Bedrock, only the OUTPUT side is checked, and only text that carries a grounding
source (GROUNDING) or a query (RELEVANCE); anything else passes unscored.

A filter under its threshold is reported with its score (action BLOCKED, or NONE when its action
is NONE); a filter at or over it is not reported, as the assessment's entries are detections.
Grounding needs the embedding model: ``checks`` raises ``ValueError`` without one.
"""

from __future__ import annotations

from gateway.guardrails.definition import ContextualGroundingPolicyConfig, Side
from gateway.guardrails.policies.base import Check, Resources, reported
from gateway.guardrails.policies.topics import needs_embedder


def checks(config: ContextualGroundingPolicyConfig, side: Side, resources: Resources) -> list[Check]:
    if side is not Side.OUTPUT:
        return []
    filters = [(f.type, f.threshold, reported(f.action)) for f in config.filtersConfig if f.enabled]
    if not filters:
        return []
    embedder = needs_embedder(resources, "a contextual grounding policy")
    from gateway.guardrails.semantic.grounding import GroundingCheck  # numpy: only with an embedder

    return [GroundingCheck(filters, embedder)]
