"""The OpenAI Responses API: ``POST /v1/responses`` (and its event stream), and the stored
responses: ``GET`` and ``DELETE /v1/responses/{id}``, ``GET /v1/responses/{id}/input_items``.

A call is translated to the canonical chat form at the edge (gateway/translate/openai_responses.py)
and goes through the one pipeline, as a chat completion would: keys, quotas, routing, guardrails,
a usage record on the ``openai`` surface. With ``store`` (the default, as at OpenAI) the response
and its conversation are kept in the database (gateway/services/response_store.py) before the
caller sees the response, so ``previous_response_id`` works on the very next call, in any process.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from starlette.responses import Response

from gateway.api.asgi_routes import AsgiRequest, AsgiRoutes
from gateway.api.call_headers import response_headers
from gateway.api.guardrail_hints import openai_guardrails
from gateway.api.openai import SURFACE, _admit, request_metadata
from gateway.api.rendering import BodyResponse
from gateway.api.stream_response import StreamResponse
from gateway.deps import ApiKey, Call, State
from gateway.errors import InvalidRequest, NotFound, StrataError
from gateway.guardrails.render import applied_report
from gateway.guardrails.texts import rewritten
from gateway.lifespan import AppState
from gateway.schemas.openai import OpenAIErrorResponse
from gateway.schemas.responses import (
    ResponseDeleted,
    ResponseItemList,
    ResponseObject,
    ResponsesRequest,
    ResponseStreamEvent,
)
from gateway.services.context import CallContext
from gateway.services.response_store import StoredTurn, owner_of
from gateway.services.stream_relay import SSE_COMMENT, ChatStream
from gateway.translate.openai_responses import Turn, new_id, responses_to_chat
from gateway.translate.openai_responses_output import (
    assistant_message,
    finished,
    input_items,
    output_items,
    response_usage,
    skeleton,
)
from gateway.translate.openai_responses_stream import ResponseEvents
from providers.canonical import ChatCompletion, ChatCompletionChunk

TAG = "OpenAI Responses"
asgi = AsgiRoutes(SURFACE, OpenAIErrorResponse)
router = APIRouter(prefix="/v1", tags=[TAG])

Json = dict[str, Any]
Save = Callable[[Json], Awaitable[bool]]


@asgi.post(
    "/v1/responses",
    summary="Create a model response",
    request_model=ResponsesRequest,
    response_model=ResponseObject,
    tag=TAG,
    media_types=("application/json", "text/event-stream"),
    stream_model=ResponseStreamEvent,
)
async def create_response(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, body = await _admit(state, call, request, ResponsesRequest)
    call.request_metadata = request_metadata({"metadata": body.metadata} if body.metadata else None, body.user)
    openai_guardrails(call, request, body.model_extra)
    owner = owner_of(principal)
    history = await _history(state, body.previous_response_id, owner)
    turn = responses_to_chat(body, history, stream=bool(body.stream))
    store = body.store is not False
    base = skeleton(body, new_id("resp"), int(time.time()), store)
    save = _saver(state, call, owner, body, turn) if store else None
    if body.stream:
        stream = await state.invoker.chat_stream(call, principal, turn.request)
        return ResponsesStream(stream, ResponseEvents(base), save, response_headers(call))
    completion = await state.invoker.chat(call, principal, turn.request)
    response = _response(base, completion, call)
    if save is not None and not await save(response):
        response["store"] = False
    return BodyResponse(orjson.dumps(response), response_headers(call))


async def _history(state: AppState, response_id: str | None, owner: str) -> list[Json]:
    if response_id is None:
        return []
    found = await state.responses.conversation(response_id, owner)
    if found is None:
        raise NotFound(
            f"Previous response with id '{response_id}' not found.",
            param="previous_response_id",
            code="previous_response_not_found",
        )
    return found


def _response(base: Json, completion: ChatCompletion, call: CallContext) -> Json:
    choice = completion.choices[0] if completion.choices else None
    finish_reason = choice.finish_reason if choice is not None else None
    output = output_items(choice.message, finish_reason) if choice is not None else []
    response = finished(base, completion.model, output, finish_reason, response_usage(completion.usage))
    response.update(_guardrail_report(call))
    return response


def _guardrail_report(call: CallContext) -> Json:
    report = applied_report(call.guardrails)
    return {} if report is None else {"strata_guardrail": report}


def _saver(state: AppState, call: CallContext, owner: str, body: ResponsesRequest, turn: Turn) -> Save:
    """Stores a finished response with the conversation so far: what the model saw this turn (with
    any masks the input guardrails applied; nothing when they blocked it, so that no follow-up, on
    any key or model, sends the blocked text to a model), then what it answered."""

    async def save(response: Json) -> bool:
        blocked = call.guardrails is not None and call.guardrails.input_blocked
        messages = [] if blocked else turn.request.messages[turn.first :]
        conversation = [m.model_dump(mode="json", exclude_none=True) for m in messages]
        conversation.append(assistant_message(response["output"]))
        stored = StoredTurn(
            response["id"], owner, response["created_at"], response, kept_input(call, body), conversation
        )
        return await state.responses.save(stored, call.request_id)

    return save


def kept_input(call: CallContext, body: ResponsesRequest) -> list[Json]:
    """The caller's input items as stored: what the input guardrails masked, masked; what blocked
    the prompt, withheld (the key's team may list them)."""
    items = input_items(body.input)
    return rewritten(items, call.guardrails.input_rewrites) if call.guardrails is not None else items


# ---------------------------------------------------------------- streams


class _ResponsesSSE:
    """The relay's encoder for Responses events (StreamEncoder)."""

    def __init__(self, events: ResponseEvents) -> None:
        self.events = events

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        return self.events.chunk(chunk)

    def keep_alive(self) -> bytes:
        return SSE_COMMENT  # SSE readers skip a comment; its bytes keep the connection's reads alive

    def finish(self, stream: ChatStream) -> bytes:
        return self.events.finish(stream.usage, _guardrail_report(stream.call))

    def error(self, error: StrataError) -> bytes:
        reason = "rate_limit_exceeded" if error.status == 429 else "server_error"
        return self.events.failed(error.message, error.code or error.type, error.param, reason)


class ResponsesStream(StreamResponse):
    """The event stream; its last event (``response.completed``) waits until the response is stored."""

    def __init__(
        self, stream: ChatStream, events: ResponseEvents, save: Save | None, headers: Mapping[str, str]
    ) -> None:
        encoder = _ResponsesSSE(events)
        super().__init__(stream, encoder, headers)
        self._content = _completed_when_stored(self._content, events, save)


async def _completed_when_stored(
    content: AsyncIterator[bytes], events: ResponseEvents, save: Save | None
) -> AsyncIterator[bytes]:
    try:
        async for data in content:
            yield data
    finally:
        closer = getattr(content, "aclose", None)
        if closer is not None:
            await closer()
    if events.response is None:  # the stream failed (its last events said so)
        return
    if save is not None and not await save(events.response):
        events.response["store"] = False
    yield events.completed()


# ---------------------------------------------------------------- stored responses


def _not_found(response_id: str) -> NotFound:
    return NotFound(f"Response with id '{response_id[:128]}' not found.", param="response_id")


@router.get("/responses/{response_id}", response_model=ResponseObject, summary="Retrieve a stored response")
async def retrieve_response(
    response_id: str, state: State, call: Call, key: ApiKey, stream: Annotated[bool, Query()] = False
) -> Response:
    principal = await state.invoker.authenticate(call, key)
    if stream:
        raise InvalidRequest("Replaying a stored response as a stream is not supported.", param="stream")
    found = await state.responses.response(response_id, owner_of(principal))
    if found is None:
        raise _not_found(response_id)
    return Response(orjson.dumps(found), media_type="application/json")


@router.delete("/responses/{response_id}", response_model=ResponseDeleted, summary="Delete a stored response")
async def delete_response(response_id: str, state: State, call: Call, key: ApiKey) -> ResponseDeleted:
    principal = await state.invoker.authenticate(call, key)
    if not await state.responses.delete(response_id, owner_of(principal)):
        raise _not_found(response_id)
    return ResponseDeleted(id=response_id)


@router.get(
    "/responses/{response_id}/input_items", response_model=ResponseItemList, summary="List a response's input items"
)
async def list_input_items(
    response_id: str,
    state: State,
    call: Call,
    key: ApiKey,
    after: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> ResponseItemList:
    principal = await state.invoker.authenticate(call, key)
    items = await state.responses.input_items(response_id, owner_of(principal))
    if items is None:
        raise _not_found(response_id)
    ordered = items if order == "asc" else items[::-1]
    if after is not None:
        ids = [item.get("id") for item in ordered]
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    page = ordered[:limit]
    return ResponseItemList(
        data=page,
        first_id=page[0].get("id") if page else None,
        last_id=page[-1].get("id") if page else None,
        has_more=len(ordered) > limit,
    )
