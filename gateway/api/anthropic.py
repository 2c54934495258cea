"""The Anthropic-compatible surface: /v1/messages (plain and streamed) and /v1/messages/count_tokens.

Hot routes (plain ASGI, see api/asgi_routes.py): the key from ``x-api-key`` or ``Authorization:
Bearer`` (``anthropic-version`` and ``anthropic-beta`` are accepted, whatever they say), the body
read once and translated at the edge (gateway/translate/anthropic_messages.py) and held to the
rules of Anthropic's API (``check_request``, gateway/schemas/anthropic.py), the one pipeline,
and the answer translated back (anthropic_replies.py, anthropic_stream.py). Errors leave in
Anthropic's shape (api/anthropic_errors.py). Guardrails come as on the OpenAI surface
(``x-strata-guardrail``, or a ``guardrails`` body field); a blocked prompt is answered with the
guardrail's message and ``stop_reason: "refusal"``, with ``strata_guardrail`` beside it.
"""

from __future__ import annotations

import orjson
import pydantic_core
from starlette.responses import Response

from gateway.api.anthropic_errors import error_event
from gateway.api.asgi_routes import AsgiRequest, AsgiRoutes
from gateway.api.body import check_integers
from gateway.api.call_headers import apply_call_hints, response_headers
from gateway.api.guardrail_hints import openai_guardrails
from gateway.api.rendering import BodyResponse
from gateway.api.stream_response import StreamResponse
from gateway.errors import InvalidRequest, StrataError
from gateway.guardrails.render import applied_report
from gateway.lifespan import AppState
from gateway.schemas.anthropic import (
    AnthropicErrorResponse,
    CountTokensRequest,
    MessageResponse,
    MessagesRequest,
    MessageStreamEvent,
    MessageTokensCount,
    check_request,
)
from gateway.services.context import CallContext, Principal
from gateway.services.counting import count_prompt_tokens, while_counting
from gateway.services.stream_relay import ChatStream
from gateway.translate.anthropic_messages import Json, get, to_chat
from gateway.translate.anthropic_replies import from_chat
from gateway.translate.anthropic_stream import MessageEvents
from providers.canonical import ChatCompletionChunk, ChatCompletionRequest

TAG = "Anthropic-compatible"
SURFACE = "anthropic"
PREFIX = "/v1/messages"  # unknown paths under it answer in Anthropic's error shape
PING = b'event: ping\ndata: {"type": "ping"}\n\n'
asgi = AsgiRoutes(SURFACE, AnthropicErrorResponse)


async def _admit(state: AppState, call: CallContext, request: AsgiRequest) -> tuple[Principal, Json]:
    """Key first (strangers' bodies are never read), then Strata's headers, then the body."""
    principal = await state.invoker.authenticate(call, request.api_key())
    apply_call_hints(request, call, principal)
    return principal, parse_body(await request.body(state.settings.max_body_bytes))


def parse_body(raw: bytes) -> Json:
    """The body as plain JSON, read by the parser (and to the limits) of every other body: no NaN,
    nesting at most 200 deep, integers exact, then checked to fit in 64 bits (api/body.py). Read
    once: the translator builds the canonical request from it, validated once."""
    if not raw:
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        body = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    check_integers(raw, body)
    return body


def _headers(call: CallContext) -> dict[str, str]:
    """Strata's headers, and the request id where the anthropic SDK reads it (``request-id``)."""
    return {"request-id": call.request_id, **response_headers(call)}


def _stops(request: ChatCompletionRequest) -> list[str] | None:
    return [request.stop] if isinstance(request.stop, str) else request.stop


@asgi.post(
    "/v1/messages",
    summary="Create a message (Anthropic Messages API)",
    request_model=MessagesRequest,
    response_model=MessageResponse,
    tag=TAG,
    media_types=("application/json", "text/event-stream"),
    stream_model=MessageStreamEvent,
)
async def messages(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, body = await _admit(state, call, request)
    metadata = get(body, "metadata", dict)
    user_id = metadata.get("user_id") if metadata else None
    if isinstance(user_id, str) and user_id:
        call.request_metadata = {"user_id": user_id[:512]}
    openai_guardrails(call, request, body)  # takes a `guardrails` field out of the body
    stream = bool(get(body, "stream", bool))
    chat = to_chat(body, stream=stream)
    check_request(body)
    message_id = f"msg_{call.request_id}"
    if stream:
        # message_start carries the prompt's count (LangChain and others read it there)
        opening = state.invoker.chat_stream(call, principal, chat)
        relay, input_tokens = await while_counting(opening, state.catalog, call, principal, chat)
        events = _Events(MessageEvents(message_id, _stops(chat), input_tokens), call)
        return StreamResponse(relay, events, headers=_headers(call))
    completion = await state.invoker.chat(call, principal, chat)
    answer = from_chat(completion, message_id, _stops(chat))
    report = applied_report(call.guardrails)
    if report is not None:
        answer["strata_guardrail"] = report
    return BodyResponse(orjson.dumps(answer), _headers(call))


class _Events:
    """The surface's stream encoder: Anthropic's events; a failure after the first byte is an
    ``error`` event (the status is already sent), which the SDK raises."""

    def __init__(self, events: MessageEvents, call: CallContext) -> None:
        self._events = events
        self._call = call

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        return self._events.chunk(chunk)

    def keep_alive(self) -> bytes:
        return PING  # Anthropic's own keep-alive event

    def finish(self, stream: ChatStream) -> bytes:
        report = applied_report(stream.call.guardrails)
        extra = {"strata_guardrail": report} if report is not None else None
        return self._events.finish(stream.usage, stream.last.model, extra)

    def error(self, error: StrataError) -> bytes:
        return error_event(error, self._call.request_id)


@asgi.post(
    "/v1/messages/count_tokens",
    summary="Count the input tokens of a message (Anthropic Messages API)",
    request_model=CountTokensRequest,
    response_model=MessageTokensCount,
    tag=TAG,
    model_call=False,
)
async def count_tokens(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, body = await _admit(state, call, request)
    chat = to_chat(body, counting=True)
    check_request(body, counting=True)
    tokens = await count_prompt_tokens(state.catalog, call, principal, chat)
    return BodyResponse(orjson.dumps({"input_tokens": tokens}), _headers(call))
