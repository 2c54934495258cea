"""OpenAI's legacy completions: ``POST /v1/completions`` (prompt in, text out, streaming), which
litellm's ``text_completion`` and older tools still call. Translated to a chat completion at the
edge (gateway/translate/openai_completions.py), through the one pipeline."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from gateway.api.asgi_routes import AsgiRequest, AsgiRoutes
from gateway.api.call_headers import response_headers
from gateway.api.guardrail_hints import openai_guardrails
from gateway.api.openai import SURFACE, _admit, request_metadata
from gateway.api.rendering import BodyResponse
from gateway.api.stream_response import StreamResponse
from gateway.errors import StrataError, openai_error_body
from gateway.guardrails.render import applied_report
from gateway.lifespan import AppState
from gateway.schemas.completions import Completion, CompletionChunk, CompletionRequest
from gateway.schemas.openai import OpenAIErrorResponse
from gateway.services.context import CallContext
from gateway.services.stream_relay import SSE_COMMENT, ChatStream
from gateway.translate.openai_completions import (
    completion_to_chat,
    echo_chunk,
    prompt_text,
    text_chunk,
    text_completion,
)
from providers.canonical import ChatCompletionChunk

TAG = "OpenAI legacy completions"
asgi = AsgiRoutes(SURFACE, OpenAIErrorResponse)


@asgi.post(
    "/v1/completions",
    summary="Create a completion (legacy)",
    request_model=CompletionRequest,
    response_model=Completion,
    tag=TAG,
    media_types=("application/json", "text/event-stream"),
    stream_model=CompletionChunk,
)
async def completions(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, body = await _admit(state, call, request, CompletionRequest)
    call.operation = "text_completion"  # gen_ai.operation.name: metrics, traces and invocation logs tell it apart
    call.request_metadata = request_metadata(body.model_extra, body.user)
    openai_guardrails(call, request, body.model_extra)
    chat = completion_to_chat(body, stream=bool(body.stream))
    echo = prompt_text(body.prompt) if body.echo else None
    if body.stream:
        stream = await state.invoker.chat_stream(call, principal, chat)
        return StreamResponse(stream, _TextEvents(echo, chat.n or 1), headers=response_headers(call))
    completion = await state.invoker.chat(call, principal, chat)
    response = text_completion(completion, echo)
    report = applied_report(call.guardrails)
    if report is not None:
        response["strata_guardrail"] = report
    return BodyResponse(orjson.dumps(response), response_headers(call))


class _TextEvents:
    """The stream as ``text_completion`` chunks, ``[DONE]`` at the end; after the first byte a
    failure is an ``error`` event, which OpenAI's SDKs raise (StreamEncoder)."""

    def __init__(self, echo: str | None, n: int) -> None:
        self._echo = echo
        self._n = n

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        out = b""
        if self._echo is not None:
            out = _data(echo_chunk(chunk, self._echo, self._n))
            self._echo = None
        piece = text_chunk(chunk)
        return out if piece is None else out + _data(piece)

    def keep_alive(self) -> bytes:
        return SSE_COMMENT

    def finish(self, stream: ChatStream) -> bytes:
        report = applied_report(stream.call.guardrails)
        if report is None:
            return b"data: [DONE]\n\n"
        last = stream.last
        chunk = {
            "id": last.id,
            "object": "text_completion",
            "created": last.created,
            "model": last.model,
            "choices": [],
            "strata_guardrail": report,
        }
        return _data(chunk) + b"data: [DONE]\n\n"

    def error(self, error: StrataError) -> bytes:
        return _data(openai_error_body(error))


def _data(payload: object) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"
