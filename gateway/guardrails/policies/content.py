"""Content filters (Bedrock's content policy): HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT and
PROMPT_ATTACK, each with a strength per side. ``semantic/content.py`` says how text is judged.

PROMPT_ATTACK is checked on INPUT only, as Bedrock does; a filter of strength NONE is off.
A content policy needs the embedding model: ``checks`` raises ``ValueError`` without one.

Two optional resources, in ``Resources.extras``:
- ``SEED_INDEX``: a ``SeedIndex`` over the same embedder, shared by every guardrail so the seed
  set is embedded once per process, not once per guardrail version (the first content check made
  puts it there);
- ``CLASSIFIER_PATH``: a folder with a local transformers text-classification model whose labels
  name content filter types (``semantic/classifier.py``); its confidences add to the seeds'.

The shipped prompt-attack head (``semantic/attack_head.py``) reads the same vectors; its weights fit
the embedded MiniLM only, so a guardrail embedder that names another model goes without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.guardrails.definition import ContentPolicyConfig, Side
from gateway.guardrails.policies.base import Check, Resources, reported
from gateway.guardrails.policies.topics import needs_embedder

if TYPE_CHECKING:
    from gateway.guardrails.semantic.content import Classifier

SEED_INDEX = "guardrails.content.seed_index"
CLASSIFIER_PATH = "guardrails.content.classifier_path"
CLASSIFIER = "guardrails.content.classifier"


def checks(config: ContentPolicyConfig, side: Side, resources: Resources) -> list[Check]:
    from gateway.guardrails.semantic.content import ContentCheck, Filter  # numpy: only with an embedder
    from gateway.guardrails.semantic.seeds import SeedIndex

    filters = []
    for f in config.filtersConfig:
        enabled = f.inputEnabled if side is Side.INPUT else f.outputEnabled
        strength = f.inputStrength if side is Side.INPUT else f.outputStrength
        if not enabled or strength == "NONE" or (f.type == "PROMPT_ATTACK" and side is Side.OUTPUT):
            continue
        filters.append(Filter(f.type, strength, reported(f.inputAction if side is Side.INPUT else f.outputAction)))
    if not filters:
        return []
    embedder = needs_embedder(resources, "a content policy")
    index = resources.extras.get(SEED_INDEX)
    if not isinstance(index, SeedIndex) or index.embedder is not embedder:
        index = SeedIndex(embedder)
        resources.extras[SEED_INDEX] = index  # every later guardrail shares it
    head = None
    if any(f.type == "PROMPT_ATTACK" for f in filters) and getattr(embedder, "model_name", None) is None:
        from gateway.guardrails.semantic import attack_head

        head = attack_head.shipped()
    return [ContentCheck(filters, index, _classifier(resources), head)]


def content_classifier(path: str | None) -> dict[str, object]:
    """Resources' extras for a team's own classifier at ``path`` (none: {})."""
    return {CLASSIFIER_PATH: path} if path else {}


def _classifier(resources: Resources) -> Classifier | None:
    """The team's classifier, one instance (one loaded model) for every guardrail version."""
    path = resources.extras.get(CLASSIFIER_PATH)
    if not path:
        return None
    from gateway.guardrails.semantic.classifier import LocalClassifier

    loaded = resources.extras.get(CLASSIFIER)
    if not isinstance(loaded, LocalClassifier) or loaded.path != str(path):
        loaded = resources.extras[CLASSIFIER] = LocalClassifier(str(path))
    return loaded
