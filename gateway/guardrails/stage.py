"""The pipeline's guardrail stages: which guardrails a call gets, its input checked before any model
sees it, its answer checked before the caller does (streams: stream.py).

A call gets the guardrails it asks for and, whatever it asks, those its key, its key's team and
its model carry by default: a caller can add guardrails, never switch one off. Several guardrails
apply in turn, the defaults first; the first that blocks decides the answer, and masks accumulate.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Protocol

from gateway.errors import InvalidRequest
from gateway.guardrails.assessment import WITHHELD, Outcome
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.guardrails.definition import Side
from gateway.guardrails.engine import apply, guarded, masked
from gateway.guardrails.errors import GuardrailNotFound
from gateway.guardrails.policies.base import GROUNDING_SOURCE, QUERY, TextUnit
from gateway.guardrails.request import Applied, GuardrailRef, GuardrailRequest, StreamMode
from gateway.guardrails.stream import StreamGuard, Verdict, verdict
from gateway.guardrails.texts import (
    embedding_units,
    input_units,
    masked_embeddings,
    masked_request,
    output_units,
    replace_output,
)
from gateway.services.catalog import PublicModel
from gateway.services.context import CallContext, Principal
from providers.canonical import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    Delta,
    EmbeddingRequest,
    Usage,
)

_SHORT = {
    "wordPolicy": "words",
    "sensitiveInformationPolicy": "sensitive",
    "topicPolicy": "topics",
    "contentPolicy": "content",
    "contextualGroundingPolicy": "grounding",
}


class GuardrailSource(Protocol):
    async def get(self, identifier: str, version: str) -> CompiledGuardrail: ...


class GuardrailStage:
    def __init__(self, source: GuardrailSource | None) -> None:
        self.source = source

    async def select(
        self, call: CallContext, principal: Principal, model: PublicModel, fallbacks: Sequence[PublicModel] = ()
    ) -> list[CompiledGuardrail]:
        """The call's guardrails: the key's, the team's, the model's and its fallbacks' defaults (a
        prompt may fail over to a fallback: every call that may reach a model gets its guardrails),
        then those asked for. Defaults go first: a guardrail the caller chose reads the answer as
        they masked it, so its report cannot show the caller what they withheld."""
        asked = call.guardrails.requested if call.guardrails is not None else []
        defaults = [*principal.guardrails, *principal.team_guardrails, *model.guardrails]
        defaults += [ref for fallback in fallbacks for ref in fallback.guardrails]
        wanted = [
            *((GuardrailRef.parse(ref, "guardrails"), True) for ref in defaults),
            *((ref, False) for ref in asked),
        ]
        if not wanted:
            return []
        if call.guardrails is None:
            call.guardrails = GuardrailRequest()
        chosen: list[CompiledGuardrail] = []
        seen: set[tuple[str, str]] = set()
        for ref, by_default in wanted:
            guardrail = await self.guardrail(ref)
            key = (guardrail.guardrail_id, guardrail.version)
            if by_default:
                call.guardrails.imposed.add(key)
            if key not in seen:
                seen.add(key)
                chosen.append(guardrail)
        return chosen

    async def lookup(self, ref: GuardrailRef) -> CompiledGuardrail:
        """One guardrail version, compiled; GuardrailNotFound when it does not exist."""
        if self.source is None:
            raise GuardrailNotFound(f"{ref.identifier}:{ref.version}")
        return await self.source.get(ref.identifier, ref.version)

    async def guardrail(self, ref: GuardrailRef) -> CompiledGuardrail:
        """One guardrail version, compiled (a 400 naming the parameter when it does not exist)."""
        if self.source is None:
            raise InvalidRequest("This gateway has no guardrails.", param=ref.param)
        try:
            return await self.source.get(ref.identifier, ref.version)
        except GuardrailNotFound:
            raise InvalidRequest(
                f"The guardrail {ref.identifier!r} version {ref.version} does not exist.", param=ref.param
            ) from None

    async def check_chat_input(
        self, call: CallContext, guardrails: Sequence[CompiledGuardrail], request: ChatCompletionRequest
    ) -> ChatCompletion | None:
        """Check the prompt; masks go into ``request``. A blocked prompt returns the answer to send
        instead (the guardrail's blocked message): no model is called."""
        assert call.guardrails is not None
        units = call.guardrails.input_units or input_units(request)
        first = len(call.guardrails.applied_input)
        outcome = await self._apply(call, guardrails, Side.INPUT, units, call.guardrails.applied_input)
        if outcome is not None and outcome.blocked:  # kept (the invocation log, stored input) withheld
            kept = _withheld(units, [a.outcome for a in call.guardrails.applied_input[first:]])
            call.guardrails.input_rewrites = masked_request(request, _guarded(units), kept)
            return blocked_completion(request.model, outcome.outputs[0], request.n or 1)
        if outcome is not None and outcome.anonymized:
            call.guardrails.input_rewrites = masked_request(request, _guarded(units), outcome.outputs)
        return None

    async def check_embeddings_input(
        self, call: CallContext, guardrails: Sequence[CompiledGuardrail], request: EmbeddingRequest
    ) -> str | None:
        """Embeddings' input: masked in place, or the blocked message (the call is refused)."""
        assert call.guardrails is not None
        units = embedding_units(request)
        first = len(call.guardrails.applied_input)
        outcome = await self._apply(call, guardrails, Side.INPUT, units, call.guardrails.applied_input)
        if outcome is not None and outcome.blocked:  # the invocation log keeps it withheld
            masked_embeddings(request, _withheld(units, [a.outcome for a in call.guardrails.applied_input[first:]]))
            return outcome.outputs[0]
        if outcome is not None and outcome.anonymized:
            masked_embeddings(request, outcome.outputs)
        return None

    async def check_chat_output(
        self, call: CallContext, guardrails: Sequence[CompiledGuardrail], completion: ChatCompletion
    ) -> None:
        assert call.guardrails is not None
        units = _grounding(call.guardrails.input_units) + output_units(completion)
        outcome = await self._apply(call, guardrails, Side.OUTPUT, units, call.guardrails.applied_output)
        if outcome is not None and outcome.intervened:
            replace_output(completion, outcome.outputs, outcome.blocked)

    def stream_guard(self, call: CallContext, guardrails: Sequence[CompiledGuardrail], choices: int = 1) -> StreamGuard:
        """Output guardrails for a stream, in the mode the caller asked for (Bedrock's default: sync),
        except that a caller cannot loosen what it does not own: a stream whose answer a key's,
        team's or model's guardrail checks, or whose answer may be masked, is held back until
        checked (sync) whatever the request asks; async would send it first."""
        assert call.guardrails is not None
        request = call.guardrails
        context = _grounding(request.input_units)

        async def check(before: str, text: str) -> Verdict:
            first = len(request.applied_output)
            unit = TextUnit(before + text)  # what was released already, read again for context
            await self._apply(call, guardrails, Side.OUTPUT, [*context, unit], request.applied_output)
            return verdict([a.outcome for a in request.applied_output[first:]], len(context), len(before))

        return StreamGuard(check, stream_mode(request, guardrails), choices)

    async def _apply(
        self,
        call: CallContext,
        guardrails: Sequence[CompiledGuardrail],
        side: Side,
        units: list[TextUnit],
        applied: list[Applied],
    ) -> Outcome | None:
        """Every guardrail in turn, each on the previous one's masked text; stops at a block. Returns
        the combined outcome (None when no guardrail ran)."""
        current = list(units)
        last: Outcome | None = None
        masked_any = False
        first = len(applied)  # a stream's earlier checks are in ``applied`` too: not this text's
        for guardrail in guardrails:
            outcome = await apply(guardrail, side, current)
            applied.append(Applied(guardrail.guardrail_id, guardrail.version, outcome))
            last = outcome
            if outcome.blocked:
                break
            if outcome.anonymized:
                masked_any = True
                current = _remasked(current, outcome.outputs)
        record(call)
        if last is None:
            return None
        if masked_any and not last.blocked:
            return Outcome(
                side, [d for a in applied[first:] for d in a.outcome.detections], [u.text for u in _guarded(current)]
            )
        return last


def stream_mode(request: GuardrailRequest, guardrails: Sequence[CompiledGuardrail]) -> StreamMode:
    """The mode a stream's output checks run in: the caller's, unless that would let text out that
    a guardrail it did not choose checks, or that a guardrail would mask."""
    if request.stream_mode == "sync":
        return "sync"
    for guardrail in guardrails:
        imposed = (guardrail.guardrail_id, guardrail.version) in request.imposed
        if guardrail.masks_output or (imposed and guardrail.output_checks):
            return "sync"
    return "async"


def _grounding(units: list[TextUnit] | None) -> list[TextUnit]:
    """The grounding sources and the query, which travel with the answer for contextual grounding,
    as only that: a block the caller also marked ``guard_content`` must not take the answer's place
    as what the output policies guard (engine.guarded) or what masking rewrites."""
    keep = {GROUNDING_SOURCE, QUERY}
    return [TextUnit(u.text, u.qualifiers & keep) for u in units or () if u.qualifiers & keep]


def _withheld(units: list[TextUnit], outcomes: Sequence[Outcome]) -> list[str]:
    """The guarded units' texts as a blocked prompt is kept: each guardrail's masks in turn, then
    every finding of the one that blocked replaced by its placeholder (a blocked word by
    ``{WITHHELD}``), so that no store keeps what blocked it."""
    current = list(units)
    for outcome in outcomes:
        if outcome.blocked:
            found = [replace(d, action="ANONYMIZED", placeholder=d.placeholder or WITHHELD) for d in outcome.detections]
            return [masked(current[i].text, i, [d for d in found if d.detected]) for i in _guarded_indexes(current)]
        if outcome.anonymized:
            current = _remasked(current, outcome.outputs)
    return [u.text for u in _guarded(current)]


def _remasked(units: list[TextUnit], outputs: list[str]) -> list[TextUnit]:
    """The units after masking: the guarded ones (in order) take the masked texts."""
    guarded = _guarded_indexes(units)
    out = list(units)
    for index, text in zip(guarded, outputs, strict=False):
        out[index] = TextUnit(text, units[index].qualifiers)
    return out


def _guarded_indexes(units: list[TextUnit]) -> list[int]:
    return guarded(units)


def _guarded(units: list[TextUnit]) -> list[TextUnit]:
    return [units[i] for i in _guarded_indexes(units)]


def record(call: CallContext) -> None:
    """The usage record's summary: "blocked:words,sensitive", "anonymized:sensitive", "detected:..."."""
    request = call.guardrails
    if request is None:
        return
    applied = [*request.applied_input, *request.applied_output]
    outcomes = [a.outcome for a in applied]
    if not outcomes:
        return
    kind = next((o.summary for o in outcomes if o.blocked), None) or next(
        (o.summary for o in outcomes if o.anonymized), None
    )
    kind = kind or ("detected" if any(o.detections for o in outcomes) else "none")
    policies = sorted({_SHORT.get(p, p) for o in outcomes for p in o.policies()})
    call.guardrail_action = f"{kind}:{','.join(policies)}" if policies else kind


async def blocked_stream(completion: ChatCompletion) -> AsyncIterator[ChatCompletionChunk]:
    """A blocked prompt's answer as a stream: the message, then the end, then (zero) usage."""
    ident, created, model = completion.id, completion.created, completion.model
    for choice in completion.choices:
        delta = Delta(role="assistant", content=choice.message.content)
        yield ChatCompletionChunk(
            id=ident, created=created, model=model, choices=[ChunkChoice(index=choice.index, delta=delta)]
        )
    ends = [ChunkChoice(index=c.index, delta=Delta(), finish_reason="content_filter") for c in completion.choices]
    yield ChatCompletionChunk(id=ident, created=created, model=model, choices=ends)
    yield ChatCompletionChunk(id=ident, created=created, model=model, choices=[], usage=completion.usage)


def blocked_completion(model: str, message: str, n: int) -> ChatCompletion:
    """The answer to a blocked prompt: the guardrail's message, as if the model had said it."""
    choices = [
        Choice(index=i, message=AssistantMessage(content=message), finish_reason="content_filter") for i in range(n)
    ]
    return ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=model,
        choices=choices,
        usage=Usage(prompt_tokens=0, completion_tokens=0, total_tokens=0),
    )
