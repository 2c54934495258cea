"""The playground: chat with a model, streamed, through the same pipeline as every API call, as the
signed-in admin key (its limits, team and guardrails apply; the call is charged and recorded in
the ledger with surface ``console``). Each answer ends with its tokens, cost, latency, the
deployment that answered and any guardrail verdict.

The page's script sends the conversation as JSON with the CSRF token in ``X-CSRF-Token`` and reads
a server-sent event stream back: ``delta`` events with text, then one ``done`` or ``error``.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from gateway.api.stream_response import StreamResponse
from gateway.console.deps import ConsoleDep, CsrfRefused, SignedIn, StateDep
from gateway.console.forms import sentence
from gateway.console.security import CSRF_HEADER, same_token
from gateway.errors import InvalidRequest, PayloadTooLarge, StrataError
from gateway.guardrails.render import applied_report
from gateway.guardrails.request import GuardrailRef, GuardrailRequest
from gateway.lifespan import AppState
from gateway.services.auth import MASTER_KEY_ID
from gateway.services.context import CallContext, Principal
from gateway.services.keys.directory import principal_from
from gateway.services.stream_relay import ChatStream
from providers.canonical import ChatCompletionChunk, ChatCompletionRequest

router = APIRouter()
MAX_BODY = 1024 * 1024


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(pattern="^(system|user|assistant)$")
    content: str = Field(max_length=200_000)


class PlaygroundChat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=200)
    messages: list[_Message] = Field(min_length=1, max_length=200)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    guardrail: str | None = Field(default=None, max_length=200)


@router.get("/playground", summary="Playground")
async def playground_page(request: Request, state: StateDep, console: ConsoleDep, session: SignedIn) -> Response:
    models = [m.name for m in state.catalog if m.capabilities.chat]
    return console.pages.render(request, "playground.html", session=session, title="Playground", models=models)


async def _principal(state: AppState, key_id: str) -> Principal:
    """Who the playground calls as: the signed-in admin key, with its limits, team and guardrails."""
    if key_id == MASTER_KEY_ID:
        return Principal(key_id=MASTER_KEY_ID, is_admin=True)
    found = await state.keys.with_team(key_id)
    if found is None:
        raise InvalidRequest("The key you signed in with no longer exists; sign in again.")
    return principal_from(*found)


async def _body(request: Request) -> PlaygroundChat:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge("The conversation is too long for the playground (1 MB at most).")
    try:
        return PlaygroundChat.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidRequest(f"The playground sent something it should not have: {sentence(exc)}") from None


@router.post("/playground/chat", summary="Send the conversation and stream the answer")
async def chat(request: Request, state: StateDep, session: SignedIn) -> Response:
    if not same_token(session.csrf, request.headers.get(CSRF_HEADER)):
        raise CsrfRefused()
    try:
        return await _stream(request, state, session.key_id)
    except StrataError as error:  # before the stream started: the page's script shows the sentence
        headers = {"retry-after": str(int(error.retry_after))} if error.retry_after else None
        return Response(orjson.dumps({"error": error.message}), error.status, headers, "application/json")


async def _stream(request: Request, state: AppState, key_id: str) -> Response:
    body = await _body(request)
    call: CallContext = request.scope["strata.call"]
    principal = await _principal(state, key_id)
    call.principal = principal
    call.model_call = True  # the request boundary writes its usage record, as for any model call
    if body.guardrail:
        call.guardrails = GuardrailRequest(
            requested=[GuardrailRef.parse(body.guardrail, "guardrail")], trace_asked=True
        )
    canonical = ChatCompletionRequest.model_validate(
        {
            "model": body.model,
            "messages": [m.model_dump() for m in body.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            **({"max_tokens": body.max_tokens} if body.max_tokens else {}),
            **({"temperature": body.temperature} if body.temperature is not None else {}),
        }
    )
    stream = await state.invoker.chat_stream(call, principal, canonical)
    return StreamResponse(stream, _Events(state, call))


class _Events:
    """The playground's wire format: ``delta`` text events, then ``done`` with the call's facts."""

    def __init__(self, state: AppState, call: CallContext) -> None:
        self.state = state
        self.call = call
        self.usage: dict[str, int] = {}

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        if chunk.usage is not None:
            self.usage = {"prompt": chunk.usage.prompt_tokens, "completion": chunk.usage.completion_tokens}
        text = "".join(choice.delta.content or "" for choice in chunk.choices)
        return _event("delta", {"text": text}) if text else b""

    def finish(self, stream: ChatStream) -> bytes:
        call = self.call
        prompt, completion = self.usage.get("prompt", 0), self.usage.get("completion", 0)
        cost = self.state.pricing.cost(call.deployment, prompt, completion) if call.deployment else 0
        facts: dict[str, Any] = {
            "model": call.served_model or call.model,
            "deployment": call.deployment,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cost_usd": float(cost),
            "latency_ms": round((time.perf_counter() - call.started) * 1000, 1),
            "ttft_ms": None if call.first_token_s is None else round(call.first_token_s * 1000, 1),
            "guardrail": _verdict(call),
        }
        # a blocked turn: the page keeps it on screen but leaves it out of the conversation it
        # sends next, or the blocked prompt would block every message after it
        facts["blocked"] = bool(facts["guardrail"] and facts["guardrail"].startswith("blocked"))
        return _event("done", facts)

    def error(self, error: StrataError) -> bytes:
        return _event("error", {"message": error.message})


def _verdict(call: CallContext) -> str | None:
    report = applied_report(call.guardrails)
    if report is not None:
        if report["blocked"]:
            return f"blocked ({', '.join(report['policies'])})"
        return f"intervened ({', '.join(report['policies'])})" if report["action"] != "NONE" else "passed"
    return call.guardrail_action


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
