"""The Bedrock-runtime surface: Converse, ConverseStream, InvokeModel (+ stream), CountTokens.

Hot routes (plain ASGI, see api/asgi_routes.py) under ``/model/{modelId}/...``: authenticate (SigV4 or
bearer, api/bedrock_auth.py), validate and translate the body at the edge (gateway/translate),
run the one pipeline, translate back. Streams are AWS event-stream frames; a failure after the
first frame becomes an exception frame, which botocore raises. Model ids are Strata's public
names (boto3 percent-encodes ``/`` and ``:``; the path arrives decoded) or a foundation-model ARN
ending in one.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import orjson
import pydantic_core
from starlette.responses import Response

from gateway.api.asgi_routes import AsgiRequest, AsgiRoutes
from gateway.api.bedrock_auth import admit
from gateway.api.bedrock_errors import exception_frame
from gateway.api.body import check_integers, parse_json
from gateway.api.call_headers import apply_call_hints, response_headers
from gateway.api.guardrail_hints import bedrock_config, invoke_headers
from gateway.api.rendering import BodyResponse
from gateway.api.stream_response import StreamResponse
from gateway.errors import InvalidRequest, StrataError
from gateway.guardrails.render import bedrock_trace
from gateway.lifespan import AppState
from gateway.schemas.bedrock import (
    BedrockErrorResponse,
    ConverseRequest,
    ConverseResponse,
    CountTokensRequest,
    CountTokensResponse,
    NativeBody,
)
from gateway.services.context import CallContext, Principal
from gateway.services.counting import count_prompt_tokens, while_counting
from gateway.services.stream_relay import ChatStream
from gateway.translate import eventstream
from gateway.translate.bedrock_converse import blob_bytes, chat_to_converse, converse_to_chat
from gateway.translate.bedrock_converse_stream import ConverseStreamEvents
from gateway.translate.bedrock_guard import guard_units
from gateway.translate.bedrock_native import ChatFamily, EmbedFamily, NativeStream, detect
from providers.canonical import ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest

TAG = "Bedrock-compatible"
SURFACE = "bedrock"
asgi = AsgiRoutes(SURFACE, BedrockErrorResponse)

JSON = "application/json"
GUARDRAIL_INTERVENED = "guardrail_intervened"
MODEL_ID_MAX = 2048  # botocore's ConversationalModelId and InvokeModelIdentifier
COUNT_TOKENS_MODEL_ID_MAX = 256  # botocore's FoundationModelVersionIdentifier
# InvokeModel's headers with an enum in botocore's model: (header, boto3's parameter, allowed values).
_HEADER_ENUMS = (
    (b"x-amzn-bedrock-trace", "trace", ("ENABLED", "DISABLED", "ENABLED_FULL")),
    (b"x-amzn-bedrock-performanceconfig-latency", "performanceConfigLatency", ("standard", "optimized")),
    (b"x-amzn-bedrock-service-tier", "serviceTier", ("priority", "default", "flex", "reserved")),
)


def model_id(request: AsgiRequest, max_length: int = MODEL_ID_MAX) -> str:
    """The model a Bedrock call names: an id, or a foundation model's or an inference profile's ARN
    (its id; a cross-region profile's "us." and the like resolve in the catalog)."""
    value: str = request.scope["path_params"]["modelId"]
    if len(value) > max_length:
        raise InvalidRequest(f"modelId must be at most {max_length} characters, not {len(value)}.", param="modelId")
    if value.startswith("arn:"):
        for kind in (":foundation-model/", ":inference-profile/"):
            _, found, name = value.partition(kind)
            if found:
                return name
    return value


def _elapsed_ms(call: CallContext) -> int:
    return int((time.perf_counter() - call.started) * 1000)


def _headers(call: CallContext) -> dict[str, str]:
    """Strata's own headers (x-strata-*, x-ratelimit-*: as on every surface) and the request id
    where botocore looks for it."""
    return {"x-amzn-RequestId": call.request_id, **response_headers(call)}


async def _admit(state: AppState, call: CallContext, request: AsgiRequest) -> tuple[Principal, bytes]:
    principal, body = await admit(state, call, request)
    apply_call_hints(request, call, principal)  # x-strata-timeout, x-strata-routing-strategy
    return principal, body


def _trace(call: CallContext) -> dict[str, Any] | None:
    """Routing's say, where it had one (the model a prompt router picked, or the fallback that
    answered), and the guardrails' assessments when the caller asked for a trace."""
    trace: dict[str, Any] = {}
    routed = call.routed_model or call.served_model
    if routed and routed != call.model:
        trace["promptRouter"] = {"invokedModelId": routed}
    elif call.attempts > 1 and call.deployment:
        trace["promptRouter"] = {"invokedModelId": call.deployment}
    if call.guardrails is not None:
        guardrail = bedrock_trace(call.guardrails)
        if guardrail is not None:
            trace["guardrail"] = guardrail
    return trace or None


def _stops(request: ChatCompletionRequest) -> list[str] | None:
    return [request.stop] if isinstance(request.stop, str) else request.stop


# ---------------------------------------------------------------- Converse


@asgi.post(
    "/model/{modelId}/converse",
    summary="Converse (Bedrock runtime)",
    request_model=ConverseRequest,
    response_model=ConverseResponse,
    tag=TAG,
)
async def converse(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, raw = await _admit(state, call, request)
    body = parse_json(ConverseRequest, raw)
    call.request_metadata = body.requestMetadata
    _guardrails(call, body, stream=False)
    chat = converse_to_chat(model_id(request), body, stream=False)
    completion = await state.invoker.chat(call, principal, chat)
    if _guardrail_blocked(call):
        for choice in completion.choices:
            choice.finish_reason = GUARDRAIL_INTERVENED  # Bedrock's own reason passes as it is
    answer = chat_to_converse(completion, _elapsed_ms(call), _stops(chat), _trace(call))
    return BodyResponse(orjson.dumps(answer), _headers(call))


def _guardrails(call: CallContext, body: ConverseRequest, stream: bool) -> None:
    bedrock_config(call, body.guardrailConfig, stream)
    if call.guardrails is not None:
        call.guardrails.input_units = guard_units(body)


def _guardrail_blocked(call: CallContext) -> bool:
    guardrails = call.guardrails
    return guardrails is not None and any(
        a.outcome.blocked for a in (*guardrails.applied_input, *guardrails.applied_output)
    )


@asgi.post(
    "/model/{modelId}/converse-stream",
    summary="ConverseStream (Bedrock runtime; an application/vnd.amazon.eventstream response)",
    request_model=ConverseRequest,
    response_model=ConverseResponse,
    tag=TAG,
    media_types=(eventstream.CONTENT_TYPE,),
)
async def converse_stream(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, raw = await _admit(state, call, request)
    body = parse_json(ConverseRequest, raw)
    call.request_metadata = body.requestMetadata
    _guardrails(call, body, stream=True)
    chat = converse_to_chat(model_id(request), body, stream=True)
    stream = await state.invoker.chat_stream(call, principal, chat)
    encoder = _ConverseFrames(ConverseStreamEvents(call.started, _stops(chat)), call)
    return StreamResponse(stream, encoder, headers=_headers(call), media_type=eventstream.CONTENT_TYPE)


class _ConverseFrames:
    """ConverseStream's event-stream frames; a failure after the first frame is an exception
    frame (the status is sent), which botocore raises."""

    def __init__(self, events: ConverseStreamEvents, call: CallContext) -> None:
        self._events = events
        self._call = call

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        if _guardrail_blocked(self._call):
            for choice in chunk.choices:
                if choice.finish_reason == "content_filter":
                    choice.finish_reason = GUARDRAIL_INTERVENED
        return self._events.chunk(chunk)

    def finish(self, stream: ChatStream) -> bytes:
        return self._events.finish(stream.usage, _trace(stream.call))

    def keep_alive(self) -> bytes:
        return eventstream.KEEP_ALIVE

    def error(self, error: StrataError) -> bytes:
        return exception_frame(error, timeout_member=False)


# ---------------------------------------------------------------- InvokeModel


def _native_body(raw: bytes) -> dict[str, Any]:
    """A model-native body as plain JSON, read by the parser (and to the limits) of every other body:
    integers exact, then checked to fit in 64 bits; nesting at most 200 deep."""
    if not raw:
        raise InvalidRequest("The request body is empty; send the model's JSON body.")
    try:
        body = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError:
        raise InvalidRequest("Malformed input request: the body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidRequest("Malformed input request: the body must be a JSON object.")
    check_integers(raw, body)
    return body


def _check_header_enums(request: AsgiRequest) -> None:
    """InvokeModel's enum headers hold one of botocore's values (as at Bedrock, case and all)."""
    for header, param, allowed in _HEADER_ENUMS:
        value = request.header(header)
        if value is not None and value not in allowed:
            raise InvalidRequest(f"{param} must be one of {', '.join(allowed)}.", param=param)


def _request_metadata(request: AsgiRequest) -> dict[str, str] | None:
    header = request.header(b"x-amzn-bedrock-request-metadata")
    if not header:
        return None
    try:
        metadata = orjson.loads(header)
    except orjson.JSONDecodeError:
        raise InvalidRequest("The X-Amzn-Bedrock-Request-Metadata header must be a JSON object.") from None
    if not isinstance(metadata, dict):
        raise InvalidRequest("The X-Amzn-Bedrock-Request-Metadata header must be a JSON object.")
    return {str(k): str(v) for k, v in metadata.items()}


def _family(state: AppState, principal: Principal, model: str, body: dict[str, Any]) -> ChatFamily | EmbedFamily:
    return detect(body, lambda: state.catalog.resolve(model, principal).capabilities.embeddings, model)


def _token_headers(call: CallContext) -> dict[str, str]:
    return {
        **_headers(call),
        "x-amzn-bedrock-input-token-count": str(call.prompt_tokens or 0),
        "x-amzn-bedrock-output-token-count": str(call.completion_tokens or 0),
        "x-amzn-bedrock-invocation-latency": str(_elapsed_ms(call)),
    }


@asgi.post(
    "/model/{modelId}/invoke",
    summary="InvokeModel (Bedrock runtime): a model-native body in, the same family's answer out",
    request_model=NativeBody,
    response_model=NativeBody,
    tag=TAG,
)
async def invoke(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, raw = await _admit(state, call, request)
    body, model = _native_body(raw), model_id(request)
    _check_header_enums(request)
    call.request_metadata = _request_metadata(request)
    invoke_headers(call, request, body)
    family = _family(state, principal, model, body)
    answer: dict[str, Any]
    if isinstance(family, EmbedFamily):
        vectors = await state.invoker.embeddings(call, principal, family.to_embeddings(model, body))
        answer = family.from_embeddings(vectors, body)
    else:
        chat = family.to_chat(model, body, False)
        answer = family.from_chat(await state.invoker.chat(call, principal, chat), chat)
    answer.update(_invoke_guardrail_fields(call))
    return BodyResponse(orjson.dumps(answer), _token_headers(call))


def _invoke_guardrail_fields(call: CallContext) -> dict[str, Any]:
    """What InvokeModel adds to an answer (a stream: to its last chunk) when guardrails ran."""
    guardrails = call.guardrails
    if guardrails is None or not (guardrails.applied_input or guardrails.applied_output):
        return {}
    fields: dict[str, Any] = {"amazon-bedrock-guardrailAction": "INTERVENED" if guardrails.intervened else "NONE"}
    trace = bedrock_trace(guardrails)
    if trace is not None:
        fields["amazon-bedrock-trace"] = {"guardrail": trace}
    return fields


@asgi.post(
    "/model/{modelId}/invoke-with-response-stream",
    summary="InvokeModelWithResponseStream (Bedrock runtime): the family's stream events as `chunk` frames",
    request_model=NativeBody,
    response_model=NativeBody,
    tag=TAG,
    media_types=(eventstream.CONTENT_TYPE,),
)
async def invoke_stream(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, raw = await _admit(state, call, request)
    body, model = _native_body(raw), model_id(request)
    _check_header_enums(request)
    call.request_metadata = _request_metadata(request)
    invoke_headers(call, request, body)
    family = _family(state, principal, model, body)
    if isinstance(family, EmbedFamily):
        raise InvalidRequest("Embeddings cannot be streamed; use InvokeModel.")
    chat = family.to_chat(model, body, True)
    if family.counts_prompt_first:
        opening = state.invoker.chat_stream(call, principal, chat)
        stream, input_tokens = await while_counting(opening, state.catalog, call, principal, chat)
    else:
        stream, input_tokens = await state.invoker.chat_stream(call, principal, chat), 0
    headers = {**_headers(call), "X-Amzn-Bedrock-Content-Type": JSON}
    encoder = _ChunkFrames(family.stream(chat, body, input_tokens))
    return StreamResponse(stream, encoder, headers=headers, media_type=eventstream.CONTENT_TYPE)


def _chunk(payload: dict[str, Any]) -> bytes:
    return eventstream.event("chunk", {"bytes": base64.b64encode(orjson.dumps(payload)).decode()})


class _ChunkFrames:
    """InvokeModelWithResponseStream: the model family's own stream events, each in a ``chunk`` frame."""

    def __init__(self, native: NativeStream) -> None:
        self._native = native

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        return b"".join(_chunk(e) for e in self._native.chunk(chunk))

    def keep_alive(self) -> bytes:
        return eventstream.KEEP_ALIVE

    def finish(self, stream: ChatStream) -> bytes:
        usage, call = stream.usage, stream.call
        metrics = {
            "inputTokenCount": usage.prompt_tokens if usage else 0,
            "outputTokenCount": usage.completion_tokens if usage else 0,
            "invocationLatency": _elapsed_ms(call),
            "firstByteLatency": int((call.first_token_s or 0) * 1000),
        }
        events = self._native.finish(usage, metrics)
        guardrails = _invoke_guardrail_fields(call)
        if events and guardrails:
            events[-1] = {**events[-1], **guardrails}
        return b"".join(_chunk(e) for e in events)

    def error(self, error: StrataError) -> bytes:
        return exception_frame(error, timeout_member=True)


# ---------------------------------------------------------------- CountTokens


@asgi.post(
    "/model/{modelId}/count-tokens",
    summary="CountTokens (Bedrock runtime): a Converse or InvokeModel input's prompt tokens",
    request_model=CountTokensRequest,
    response_model=CountTokensResponse,
    tag=TAG,
    model_call=False,
)
async def count_tokens(state: AppState, call: CallContext, request: AsgiRequest) -> Response:
    principal, raw = await _admit(state, call, request)
    given = parse_json(CountTokensRequest, raw).input
    model = model_id(request, COUNT_TOKENS_MODEL_ID_MAX)
    counted: ChatCompletionRequest | EmbeddingRequest
    if given.converse is not None:
        source = given.converse
        body = ConverseRequest(
            messages=source.messages,
            system=source.system,
            toolConfig=source.toolConfig,
            additionalModelRequestFields=source.additionalModelRequestFields,
        )
        counted = converse_to_chat(model, body, stream=False)
    elif given.invokeModel is not None:
        native = _native_body(blob_bytes(given.invokeModel.body, "input.invokeModel.body"))
        family = _family(state, principal, model, native)
        if isinstance(family, EmbedFamily):
            counted = family.to_embeddings(model, native)
        else:
            counted = family.to_chat(model, native, False)
    else:
        raise InvalidRequest("input must have exactly one of 'converse' or 'invokeModel'.", param="input")
    tokens = await count_prompt_tokens(state.catalog, call, principal, counted)
    return BodyResponse(orjson.dumps({"inputTokens": tokens}), _headers(call))
