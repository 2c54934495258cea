"""The sensitive information policy applied to one text, as the PII unit tests call it."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.guardrails.assessment import Outcome
from gateway.guardrails.compiled import compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies.base import Resources, TextUnit


def guard(
    text: str,
    entities: list[dict[str, Any]] | None = None,
    regexes: list[dict[str, Any]] | None = None,
    side: Side = Side.INPUT,
    resources: Resources | None = None,
) -> Outcome:
    policy: dict[str, Any] = {}
    if entities:
        policy["piiEntitiesConfig"] = entities
    if regexes:
        policy["regexesConfig"] = regexes
    definition = GuardrailDefinition(
        name="g",
        blockedInputMessaging="Blocked input.",
        blockedOutputsMessaging="Blocked output.",
        sensitiveInformationPolicyConfig=policy,
    )
    compiled = compile_guardrail("gr", "DRAFT", definition, resources or Resources())
    return asyncio.run(apply(compiled, side, [TextUnit(text)]))
