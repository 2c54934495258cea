"""What callers see of guardrails: Bedrock's ``trace.guardrail`` and ``amazon-bedrock-guardrailAction``,
and on the OpenAI surface a ``strata_guardrail`` object beside the usual fields."""

from __future__ import annotations

from typing import Any

from gateway.guardrails.request import Applied, GuardrailRequest

_SHORT_NAMES = {
    "wordPolicy": "words",
    "sensitiveInformationPolicy": "sensitive_information",
    "topicPolicy": "topics",
    "contentPolicy": "content",
    "contextualGroundingPolicy": "contextual_grounding",
}


def strata_guardrail(request: GuardrailRequest) -> dict[str, Any]:
    """For OpenAI-style callers: the action, the policies that fired, and each guardrail's
    assessments (Bedrock's shape) on the input and the output: with what was only detected
    (``x-strata-guardrail-trace: enabled_full``, the default), interventions only (``enabled``),
    or none (``disabled``: the action and the policies alone)."""
    applied = [*request.applied_input, *request.applied_output]
    policies = sorted({_SHORT_NAMES.get(p, p) for a in applied for p in a.outcome.policies()})
    report: dict[str, Any] = {
        "action": "GUARDRAIL_INTERVENED" if request.intervened else "NONE",
        "blocked": any(a.outcome.blocked for a in applied),
        "policies": policies,
    }
    if request.report != "disabled":
        full = request.report == "enabled_full"
        report["input"] = [_entry(a, full, False) for a in request.applied_input]
        report["output"] = [_entry(a, full, withheld(request, a)) for a in request.applied_output]
    return report


def withheld(request: GuardrailRequest, applied: Applied) -> bool:
    """Whether an output assessment shows placeholders instead of what it matched: always when the
    guardrail masked or blocked the answer, unless the caller asked for a trace of a guardrail it
    chose itself (Bedrock's own trace shows matches). A key's, team's or model's guardrail, or a
    caller who asked for nothing, never gets back the text the guardrail kept from it."""
    if not applied.outcome.intervened:
        return False
    imposed = (applied.guardrail_id, applied.version) in request.imposed
    return imposed or not request.trace_asked


def applied_report(request: GuardrailRequest | None) -> dict[str, Any] | None:
    """``strata_guardrail`` for a call whose guardrails ran; None when none did (the field stays out)."""
    if request is None or not (request.applied_input or request.applied_output):
        return None
    return strata_guardrail(request)


def _entry(applied: Applied, full: bool, withhold: bool) -> dict[str, Any]:
    return {
        "guardrailId": applied.guardrail_id,
        "guardrailVersion": applied.version,
        "action": applied.outcome.action,
        "assessment": applied.outcome.assessment(full=full, withhold=withhold),
    }


def bedrock_trace(request: GuardrailRequest, model_output: list[str] | None = None) -> dict[str, Any] | None:
    """Converse's ``trace.guardrail`` (when the call asked for a trace): input assessments by
    guardrail id, output assessments as a list per id; ``enabled_full`` includes what was only
    detected, ``enabled`` only interventions."""
    if request.trace == "disabled" or not (request.applied_input or request.applied_output):
        return None
    full = request.trace == "enabled_full"
    trace: dict[str, Any] = {}
    if request.applied_input:
        trace["inputAssessment"] = {a.guardrail_id: a.outcome.assessment(full) for a in request.applied_input}
    if request.applied_output:
        outputs: dict[str, list[dict[str, Any]]] = {}
        for a in request.applied_output:
            outputs.setdefault(a.guardrail_id, []).append(a.outcome.assessment(full, withheld(request, a)))
        trace["outputAssessments"] = outputs
    if model_output and request.intervened and not any(withheld(request, a) for a in request.applied_output):
        trace["modelOutput"] = model_output
    reason = action_reason(request)
    if reason:
        trace["actionReason"] = reason
    return trace


def action_reason(request: GuardrailRequest) -> str | None:
    for side, applied in (("input", request.applied_input), ("output", request.applied_output)):
        for a in applied:
            if a.outcome.blocked:
                return f"Guardrail blocked the {side} ({', '.join(a.outcome.policies())})."
    for a in (*request.applied_input, *request.applied_output):
        if a.outcome.anonymized:
            return "Guardrail masked sensitive information."
    return None
