"""The sensitive information policy: Bedrock's PII entity types (piiEntitiesConfig) and named custom
regexes (regexesConfig, in policies/regexes.py).

Pattern types are found by gateway/guardrails/pii/ (patterns, check digits, context words). NAME,
ADDRESS, AGE and USERNAME need a language model: they are detected only when a local
token-classification model is configured (``Resources.ner_model_path``), and ``supported`` says
False for them otherwise, so the guardrail's status lists them instead of passing text as clean.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.guardrails.assessment import PII, Action, Detection
from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.pii.ner import NER_TYPES, NerModel
from gateway.guardrails.pii.scan import Finding
from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner, settle
from gateway.guardrails.policies import regexes
from gateway.guardrails.policies.base import Check, Resources, TextUnit, action_for

NER_KEY = "pii_ner_model"  # Resources.extras: the loaded NerModel, shared by every guardrail


def supported(entity_type: str, resources: Resources) -> bool:
    """Whether this gateway can detect ``entity_type``: by pattern, or with the configured model."""
    return entity_type in PATTERN_TYPES or (entity_type in NER_TYPES and resources.ner_model_path is not None)


def ner_model(resources: Resources) -> NerModel:
    """The configured model, loaded at most once per gateway (kept in ``resources.extras``)."""
    assert resources.ner_model_path is not None
    model = resources.extras.get(NER_KEY)
    if not isinstance(model, NerModel) or model.path != resources.ner_model_path:
        model = NerModel(resources.ner_model_path)
        resources.extras[NER_KEY] = model
    return model


@dataclass(frozen=True, slots=True)
class PiiCheck:
    """The PII types enabled on one side, each with its action there."""

    actions: dict[str, Action]
    scanner: Scanner
    ner: NerModel | None = None
    ner_types: frozenset[str] = frozenset()
    policy: str = "sensitiveInformationPolicy"

    @property
    def waits(self) -> bool:
        """Only the NER model (in a thread) waits; the pattern detectors never do."""
        return self.ner is not None

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        found = [self.scanner.scan(unit.text) for unit in units]
        if self.ner is not None:
            named = await asyncio.to_thread(self._named, [unit.text for unit in units])
            found = [settle(patterns + extra) for patterns, extra in zip(found, named, strict=True)]
        return [self._detection(units[index].text, index, f) for index, findings in enumerate(found) for f in findings]

    def _named(self, texts: list[str]) -> list[list[Finding]]:
        assert self.ner is not None
        return [self.ner.find(text, self.ner_types) for text in texts]

    def _detection(self, text: str, unit: int, finding: Finding) -> Detection:
        entry = {"match": text[finding.start : finding.end], "type": finding.type}
        span = (unit, finding.start, finding.end)
        return Detection(PII, entry, self.actions[finding.type], span, "{" + finding.type + "}")


def checks(config: SensitiveInformationPolicyConfig, side: Side, resources: Resources) -> list[Check]:
    out: list[Check] = []
    actions: dict[str, Action] = {}
    for entity in config.piiEntitiesConfig or ():
        enabled = entity.inputEnabled if side is Side.INPUT else entity.outputEnabled
        if enabled and supported(entity.type, resources):
            action = action_for(side.value, entity.action, entity.inputAction, entity.outputAction)
            actions[entity.type] = regexes.REPORTED[action]
    if actions:
        named = frozenset(actions) & NER_TYPES
        model = ner_model(resources) if named else None
        out.append(PiiCheck(actions, Scanner(actions), model, named))
    regex_check = regexes.check(config, side)
    if regex_check is not None:
        out.append(regex_check)
    return out
