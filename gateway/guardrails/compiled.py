"""A definition compiled once into the checks of each side, ready to apply many times.

Compiling is where a definition's cost is paid (regexes, word lists, example embeddings): it
happens when a guardrail version is loaded or changed, never on a request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.policies import content, grounding, pii, topics, words
from gateway.guardrails.policies.base import Check, Resources, action_for


@dataclass(frozen=True, slots=True)
class CompiledGuardrail:
    guardrail_id: str
    version: str  # "DRAFT" or a number
    definition: GuardrailDefinition
    input_checks: tuple[Check, ...]
    output_checks: tuple[Check, ...]
    unsupported: tuple[str, ...] = field(default=())  # configured, but nothing here can detect them (status)
    fingerprint: str = ""  # a hash of the definition: a DRAFT edited in place is a different guardrail (cache keys)
    masks_output: bool = False  # some PII type or regex is ANONYMIZEd in answers: streams hold text back (sync)

    def checks(self, side: Side) -> tuple[Check, ...]:
        return self.input_checks if side is Side.INPUT else self.output_checks

    def blocked_message(self, side: Side) -> str:
        d = self.definition
        return d.blockedInputMessaging if side is Side.INPUT else d.blockedOutputsMessaging


def compile_guardrail(
    guardrail_id: str, version: str, definition: GuardrailDefinition, resources: Resources
) -> CompiledGuardrail:
    sides = {side: _checks(definition, side, resources) for side in Side}
    return CompiledGuardrail(
        guardrail_id,
        version,
        definition,
        tuple(sides[Side.INPUT]),
        tuple(sides[Side.OUTPUT]),
        tuple(unsupported_types(definition, resources)),
        hashlib.blake2b(definition.model_dump_json().encode(), digest_size=8).hexdigest(),
        masks_output(definition),
    )


def masks_output(definition: GuardrailDefinition) -> bool:
    """Whether an answer's text may be masked: a stream must then hold text back until checked
    (masking cannot apply to text already sent, which is why Bedrock's async mode does not mask)."""
    config = definition.sensitiveInformationPolicyConfig
    if config is None:
        return False
    entries = [*(config.piiEntitiesConfig or ()), *(config.regexesConfig or ())]
    return any(
        e.outputEnabled and action_for(Side.OUTPUT.value, e.action, e.inputAction, e.outputAction) == "ANONYMIZE"
        for e in entries
    )


def _checks(d: GuardrailDefinition, side: Side, resources: Resources) -> list[Check]:
    """Cheap checks first (patterns), then those that need embeddings."""
    found: list[Check] = []
    if d.wordPolicyConfig is not None:
        found += words.checks(d.wordPolicyConfig, side, resources)
    if d.sensitiveInformationPolicyConfig is not None:
        found += pii.checks(d.sensitiveInformationPolicyConfig, side, resources)
    if d.topicPolicyConfig is not None:
        found += topics.checks(d.topicPolicyConfig, side, resources)
    if d.contentPolicyConfig is not None:
        found += content.checks(d.contentPolicyConfig, side, resources)
    if d.contextualGroundingPolicyConfig is not None:
        found += grounding.checks(d.contextualGroundingPolicyConfig, side, resources)
    return found


def unsupported_types(definition: GuardrailDefinition, resources: Resources) -> list[str]:
    """PII types configured that nothing here detects (they need a token-classification model and
    none is configured): listed in the guardrail's statusReasons, never passed as "no PII"."""
    config = definition.sensitiveInformationPolicyConfig
    if config is None:
        return []
    return [e.type for e in config.piiEntitiesConfig or () if not pii.supported(e.type, resources)]
