"""The OpenAI-compatible surface: /v1/chat/completions, /v1/embeddings, /v1/models."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson
from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from gateway.api.asgi_routes import AsgiRequest, AsgiRoutes
from gateway.api.body import M, parse_json
from gateway.api.call_headers import apply_call_hints, response_headers
from gateway.api.guardrail_hints import openai_guardrails
from gateway.api.rendering import BodyResponse
from gateway.api.stream_response import StreamResponse
from gateway.deps import ApiKey, Call, State
from gateway.errors import InvalidRequest, StrataError, openai_error_body
from gateway.guardrails.render import applied_report
from gateway.lifespan import AppState
from gateway.schemas.openai import ModelList, ModelObject, OpenAIErrorResponse
from gateway.services.catalog import PublicModel
from gateway.services.context import CallContext, Principal
from gateway.services.stream_relay import ChatStream
from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingInput,
    EmbeddingRequest,
    EmbeddingResponse,
)

TAG = "OpenAI-compatible"
SURFACE = "openai"
router = APIRouter(prefix="/v1", tags=[TAG])
asgi = AsgiRoutes(SURFACE, OpenAIErrorResponse)


async def _admit(state: AppState, call: CallContext, request: AsgiRequest, model: type[M]) -> tuple[Principal, M]:
    """Key first (strangers' bodies are never read), then Strata's headers, then the body."""
    principal = await state.invoker.authenticate(call, request.api_key())
    apply_call_hints(request, call, principal)
    return principal, parse_json(model, await request.body(state.settings.max_body_bytes))


@asgi.post(
    "/v1/chat/completions",
    summary="Create a chat completion",
    request_model=ChatCompletionRequest,
    response_model=ChatCompletion,
    tag=TAG,
    media_types=("application/json", "text/event-stream"),
    stream_model=ChatCompletionChunk,
)
async def chat_completions(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, body = await _admit(state, call, request, ChatCompletionRequest)
    call.request_metadata = request_metadata(body.model_extra, body.user)
    openai_guardrails(call, request, body.model_extra)
    if body.stream:
        stream = await state.invoker.chat_stream(call, principal, body)
        return StreamResponse(stream, SSE, headers=response_headers(call))
    completion = await state.invoker.chat(call, principal, body)
    return BodyResponse(_with_report(_json(completion), applied_report(call.guardrails)), response_headers(call))


def request_metadata(extra: dict[str, Any] | None, user: str | None) -> dict[str, str] | None:
    """OpenAI's ``metadata`` pairs and ``user``, for the usage record; cut to OpenAI's own bounds
    (16 pairs, 64-character keys, 512-character values) so that no caller can bloat the ledger."""
    metadata = extra.get("metadata") if extra else None
    found: dict[str, str] = {}
    if isinstance(metadata, dict):
        for key, value in list(metadata.items())[:16]:
            found[str(key)[:64]] = str(value)[:512]
    if user:
        found.setdefault("user", user[:512])
    return found or None


def _json(model: BaseModel) -> bytes:
    """As sent by the upstream (unset fields stay out), as bytes: no str round trip."""
    return model.__pydantic_serializer__.to_json(model, exclude_unset=True)


def _with_report(payload: bytes, report: dict[str, Any] | None) -> bytes:
    """The answer's JSON with ``strata_guardrail`` as its last field, spliced in as bytes rather than
    set on the model, whose serializer would then infer the dict's shape value by value (3 against
    6.5 us warm, several times that in a gateway, where that path is out of the CPU's caches)."""
    if report is None:
        return payload
    comma = b"," if payload != b"{}" else b""
    return payload[:-1] + comma + b'"strata_guardrail":' + orjson.dumps(report) + b"}"


class _ServerSentEvents:
    """OpenAI's stream: one ``data:`` line per chunk, ``[DONE]`` at the end; after the first byte
    the status is sent, so a failure is an ``error`` event, which OpenAI's SDKs raise."""

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        return b"data: " + _json(chunk) + b"\n\n"

    def finish(self, stream: ChatStream) -> bytes:
        """[DONE]; after a stream that had guardrails, first a chunk carrying ``strata_guardrail``."""
        report = applied_report(stream.call.guardrails)
        if report is None:
            return b"data: [DONE]\n\n"
        last = stream.last
        chunk = {
            "id": last.id,
            "object": "chat.completion.chunk",
            "created": last.created,
            "model": last.model,
            "choices": [],
            "strata_guardrail": report,
        }
        return b"data: " + orjson.dumps(chunk) + b"\n\ndata: [DONE]\n\n"

    def error(self, error: StrataError) -> bytes:
        return b"data: " + orjson.dumps(openai_error_body(error)) + b"\n\n"


SSE = _ServerSentEvents()


@asgi.post(
    "/v1/embeddings",
    summary="Create embeddings",
    request_model=EmbeddingRequest,
    response_model=EmbeddingResponse,
    tag=TAG,
)
async def embeddings(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, body = await _admit(state, call, request, EmbeddingRequest)
    _refuse_empty(body.input)
    call.request_metadata = request_metadata(body.model_extra, body.user)
    openai_guardrails(call, request, body.model_extra)
    response = await state.invoker.embeddings(call, principal, body)
    return BodyResponse(_json(response), response_headers(call))


def _refuse_empty(given: EmbeddingInput) -> None:
    """OpenAI refuses an empty string or list; passed on, an upstream answers its own error or a
    vector of nothing. (Here, not on the model: Strata's own embeddings may hold an empty text.)"""
    if not given:
        kind = "string" if isinstance(given, str) else "list"
        raise InvalidRequest(f"input must not be an empty {kind}.", param="input")
    if not isinstance(given, str):
        for index, item in enumerate(given):
            if isinstance(item, str | list) and not item:
                message = f"input[{index}] is empty: each input needs some text or token ids."
                raise InvalidRequest(message, param="input")


def _model_object(model: PublicModel) -> ModelObject:
    return ModelObject(
        id=model.name, created=model.created, description=model.description, capabilities=asdict(model.capabilities)
    )


@router.get("/models", response_model=ModelList)
async def list_models(state: State, call: Call, key: ApiKey) -> ModelList:
    principal = await state.invoker.authenticate(call, key)
    return ModelList(data=[_model_object(m) for m in state.catalog.visible_to(principal)])


@router.get("/models/{model_id:path}", response_model=ModelObject)
async def get_model(model_id: str, state: State, call: Call, key: ApiKey) -> ModelObject:
    principal = await state.invoker.authenticate(call, key)
    return _model_object(state.catalog.resolve(model_id, principal))
