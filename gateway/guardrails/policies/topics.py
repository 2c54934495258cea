"""Denied topics (Bedrock's topic policy): a topic is a name, a definition and up to five example
phrases, matched by meaning with the embedding model (``semantic/topics.py`` says how).

A guardrail with denied topics cannot be compiled without an embedding model: ``checks`` raises
``ValueError`` rather than let the topics silently match nothing.
"""

from __future__ import annotations

import logging

from gateway.guardrails.definition import Side, TopicPolicyConfig
from gateway.guardrails.policies.base import Check, Embedder, Resources, reported

log = logging.getLogger(__name__)


def needs_embedder(resources: Resources, what: str) -> Embedder:
    """The embedder, or a ValueError naming the policy that needs one."""
    if resources.embedder is None:
        raise ValueError(f"{what} needs an embedding model, and none is configured for guardrails")
    return resources.embedder


def checks(config: TopicPolicyConfig, side: Side, resources: Resources) -> list[Check]:
    from gateway.guardrails.semantic.topics import Topic, TopicCheck  # numpy: only with an embedder

    topics = [
        Topic.of(t.name, t.definition, t.examples, reported(t.inputAction if side is Side.INPUT else t.outputAction))
        for t in config.topicsConfig
        if (t.inputEnabled if side is Side.INPUT else t.outputEnabled)
    ]
    if not topics:
        return []
    embedder = needs_embedder(resources, "a denied topics policy")
    for topic in topics:
        if topic.by_definition:
            log.warning(
                "denied topic %r has no examples: it is matched on its definition alone, which "
                "catches far fewer phrasings; add example phrases",
                topic.name,
            )
    return [TopicCheck(topics, embedder)]
