"""Guardrails without a model call: Bedrock's ApplyGuardrail, and the same check in Strata's shape.

``POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply`` answers as Bedrock does
(boto3's bedrock-runtime ``apply_guardrail`` works unmodified); ``POST /v1/guardrails/apply`` gives
OpenAI-style callers the same check with a bearer key and OpenAI's error shape. Any valid key may
apply any guardrail; the guardrail decides nothing about who may call which model.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.asgi_routes import AsgiRequest
from gateway.api.bedrock_auth import admit
from gateway.api.body import parse_json
from gateway.deps import ApiKey, Call, State
from gateway.errors import InvalidRequest, NotFound
from gateway.guardrails.assessment import Outcome
from gateway.guardrails.definition import Side
from gateway.guardrails.engine import apply
from gateway.guardrails.errors import GuardrailNotFound
from gateway.guardrails.identifiers import is_version
from gateway.guardrails.policies.base import TextUnit
from gateway.guardrails.request import GuardrailRef
from gateway.lifespan import AppState
from gateway.schemas.bedrock import ApplyGuardrailRequest, GuardrailContentBlock

bedrock_router = APIRouter(tags=["Bedrock-compatible"])
openai_router = APIRouter(prefix="/v1", tags=["Guardrails"])


class StrataApplyRequest(BaseModel):
    """``guardrail`` is ``ID[:VERSION]`` (DRAFT by default); ``text`` one string or several."""

    model_config = ConfigDict(extra="forbid")

    guardrail: str = Field(min_length=1)
    source: Literal["input", "output"] = "input"
    text: str | list[str]
    output_scope: Literal["interventions", "full"] = "interventions"


async def _outcome(state: AppState, ref: GuardrailRef, side: Side, units: list[TextUnit]) -> Outcome:
    guardrail = await state.invoker.guardrails.guardrail(ref)
    return await apply(guardrail, side, units)


# ``:path``: botocore sends an ARN's "/" as %2F, which arrives decoded
@bedrock_router.post("/guardrail/{guardrailIdentifier:path}/version/{guardrailVersion}/apply", summary="ApplyGuardrail")
async def apply_guardrail(
    guardrailIdentifier: str, guardrailVersion: str, request: Request, state: State, call: Call
) -> dict[str, Any]:
    _, raw = await admit(state, call, AsgiRequest(request.scope, request.receive))
    body = parse_json(ApplyGuardrailRequest, raw)
    if not is_version(guardrailVersion):
        raise InvalidRequest("guardrailVersion must be DRAFT or a version number.", param="guardrailVersion")
    ref = GuardrailRef.parse(guardrailIdentifier, "guardrailIdentifier")
    units = _text_units(body.content)
    try:
        guardrail = await state.invoker.guardrails.lookup(GuardrailRef(ref.identifier, guardrailVersion))
    except GuardrailNotFound:
        raise NotFound(f"Could not find version {guardrailVersion} of the guardrail {guardrailIdentifier!r}.") from None
    outcome = await apply(guardrail, Side(body.source), units)
    return {
        "usage": outcome.usage(),
        "action": outcome.action,
        **({"actionReason": _reason(outcome)} if outcome.intervened else {}),
        "outputs": [{"text": text} for text in outcome.outputs],
        "assessments": [outcome.assessment(full=body.outputScope == "FULL")],
        "guardrailCoverage": _coverage(outcome, body),
    }


def _text_units(content: list[GuardrailContentBlock]) -> list[TextUnit]:
    """The text blocks' units (none when the content is images only: nothing to evaluate); a block
    that is neither text nor an image is named, not dropped."""
    units = []
    for i, block in enumerate(content):
        if block.text is not None:
            units.append(TextUnit(block.text.text, frozenset(block.text.qualifiers or ())))
        elif block.image is None:
            members = ", ".join(block.member_names()) or "an empty block"
            raise InvalidRequest(f"content[{i}] ({members}) must hold text or an image.", param=f"content[{i}]")
    return units


def _coverage(outcome: Outcome, body: ApplyGuardrailRequest) -> dict[str, Any]:
    """How much of the content was checked: every text character guarded; images counted, none
    guarded (Strata's filters read text only: GetGuardrail's statusReasons says so too)."""
    total = sum(len(b.text.text) for b in body.content if b.text is not None)
    coverage: dict[str, Any] = {"textCharacters": {"guarded": outcome.characters, "total": total}}
    images = sum(1 for b in body.content if b.image is not None)
    if images:
        coverage["images"] = {"guarded": 0, "total": images}
    return coverage


@openai_router.post("/guardrails/apply", summary="Check text against a guardrail without calling a model")
async def apply_strata(request: Request, state: State, call: Call, key: ApiKey) -> dict[str, Any]:
    await state.invoker.authenticate(call, key)
    raw = await AsgiRequest(request.scope, request.receive).body(state.settings.max_body_bytes)
    body = parse_json(StrataApplyRequest, raw)
    ref = GuardrailRef.parse(body.guardrail, "guardrail")
    texts = [body.text] if isinstance(body.text, str) else body.text
    outcome = await _outcome(state, ref, Side(body.source.upper()), [TextUnit(t) for t in texts])
    return {
        "guardrail": {"id": ref.identifier, "version": ref.version},
        "action": outcome.action,
        "blocked": outcome.blocked,
        "outputs": outcome.outputs,
        "policies": outcome.policies(),
        "assessment": outcome.assessment(full=body.output_scope == "full"),
    }


def _reason(outcome: Outcome) -> str:
    verb = "blocked" if outcome.blocked else "masked"
    return f"Guardrail {verb} the {outcome.side.value.lower()} ({', '.join(outcome.policies())})."
