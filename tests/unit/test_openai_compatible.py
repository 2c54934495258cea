"""The OpenAI-compatible provider: what it sends upstream, what it accepts back, and how it fails.

The provider talks HTTP/1.1 to a real socket, so these tests point it at a tiny scripted HTTP/1.1
upstream served in-process on 127.0.0.1 (no threads, no subprocess): real parsing, real chunk
boundaries, real timeouts and refused connections, and no patching of library internals.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from providers import errors as perr
from providers.base import CallOptions
from providers.canonical import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest
from providers.http import HttpClients
from providers.openai_compatible import (
    OpenAICompatibleProvider,
    OpenAIDeployment,
    error_from_response,
    parse_retry_after,
)

T = TypeVar("T")
OPTIONS = CallOptions(request_id="req-123")

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "upstream-model-2024",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    "system_fingerprint": "fp_123",
}


def _chunk(content: str | None = None, finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    choices = [] if usage else [{"index": 0, "delta": {"content": content} if content else {}, "finish_reason": finish}]
    chunk: dict[str, Any] = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "u",
        "choices": choices,
    }
    if usage:
        chunk["usage"] = usage
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


FULL_STREAM = (
    _chunk("Hel")
    + _chunk("lo")
    + _chunk(finish="stop")
    + _chunk(usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5})
    + b"data: [DONE]\n\n"
)


def _headers(values: dict[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(values))


# --- a scripted upstream on a loopback socket -------------------------------------------------


@dataclass
class Reply:
    """What the fake upstream answers. A list body is sent chunked, one HTTP chunk per piece."""

    status: int = 200
    body: bytes | list[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    pause_s: float = 0.0  # between pieces, so that they arrive separately
    stall_before_headers: bool = False
    stall_after: int | None = None  # pieces sent before going silent
    drop_after: int | None = None  # pieces sent before closing without ending the body


def json_reply(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload).encode(), {"content-type": "application/json", **(headers or {})})


def sse_reply(pieces: list[bytes], **options: Any) -> Reply:
    return Reply(200, pieces, {"content-type": "text/event-stream"}, **options)


@dataclass
class Recorded:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeUpstream:
    """Answers every request with ``reply`` on a fresh connection, and records what it was sent."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[Recorded] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> FakeUpstream:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.origin = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.strip().split("\r\n")
            method, target, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Recorded(method, target, headers, body))
            await self._send(self.reply, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _send(reply: Reply, writer: asyncio.StreamWriter) -> None:
        if reply.stall_before_headers:
            await asyncio.sleep(3600)
        chunked = isinstance(reply.body, list)
        framing = {"transfer-encoding": "chunked"} if chunked else {"content-length": str(len(reply.body))}
        head = [f"HTTP/1.1 {reply.status} Fake", "connection: close"]
        head += [f"{k}: {v}" for k, v in {**framing, **reply.headers}.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        if not isinstance(reply.body, list):
            writer.write(reply.body)
            await writer.drain()
            return
        for i, piece in enumerate(reply.body):
            if i == reply.stall_after:
                await asyncio.sleep(3600)
            if i == reply.drop_after:
                return
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
            await asyncio.sleep(reply.pause_s)
        writer.write(b"0\r\n\r\n")
        await writer.drain()


def closed_port_origin() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _deployment(api_base: str, **overrides: Any) -> OpenAIDeployment:
    fields: dict[str, Any] = {"provider": "openai", "model": "upstream-model", "api_base": api_base, "api_key": "sk-up"}
    return OpenAIDeployment(**{**fields, **overrides})


def _request(**fields: Any) -> ChatCompletionRequest:
    body = {"model": "public-name", "messages": [{"role": "user", "content": "Hello"}], **fields}
    return ChatCompletionRequest.model_validate_json(json.dumps(body))


def against(
    reply: Reply | None,
    action: Callable[[OpenAICompatibleProvider], Awaitable[T]],
    path: str = "/v1",
    **overrides: Any,
) -> tuple[T, list[Recorded]]:
    """Start a provider against the scripted upstream (a refused port when reply is None) and run action."""

    async def go() -> tuple[T, list[Recorded]]:
        async with contextlib.AsyncExitStack() as stack:
            origin, requests = closed_port_origin(), list[Recorded]()
            if reply is not None:
                upstream = await stack.enter_async_context(FakeUpstream(reply))
                origin, requests = upstream.origin, upstream.requests
            clients = HttpClients()
            stack.push_async_callback(clients.aclose)
            provider = OpenAICompatibleProvider(_deployment(origin + path, **overrides), clients)
            await provider.start()
            return await action(provider), requests

    return asyncio.run(go())


def chat(
    reply: Reply | None, request: ChatCompletionRequest | None = None, **overrides: Any
) -> tuple[ChatCompletion, list[Recorded]]:
    return against(reply, lambda provider: provider.chat(request or _request(), OPTIONS), **overrides)


def stream(
    reply: Reply | None,
    request: ChatCompletionRequest | None = None,
    received: list[ChatCompletionChunk] | None = None,
    **overrides: Any,
) -> tuple[list[ChatCompletionChunk], list[Recorded]]:
    """All chunks; chunks that arrived before an error are appended to ``received`` as they come."""
    chunks = received if received is not None else []

    async def collect(provider: OpenAICompatibleProvider) -> list[ChatCompletionChunk]:
        async for chunk in provider.chat_stream(request or _request(stream=True), OPTIONS):
            chunks.append(chunk)
        return chunks

    return against(reply, collect, **overrides)


# --- Retry-After ------------------------------------------------------------------------------


def _retry(headers: dict[str, str]) -> float | None:
    return parse_retry_after(_headers(headers))


def test_retry_after_in_seconds() -> None:
    assert _retry({"retry-after": "5"}) == 5.0
    assert _retry({"retry-after": "1.5"}) == 1.5
    assert _retry({"retry-after": "-3"}) == 0.0


def test_retry_after_absent() -> None:
    assert _retry({}) is None


def test_retry_after_as_http_date() -> None:
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 27 <= (_retry({"retry-after": future}) or 0) <= 31
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    assert _retry({"retry-after": past}) == 0.0


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert _retry({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5


def test_garbage_retry_after_ms_falls_back_to_retry_after() -> None:
    assert _retry({"retry-after-ms": "soon", "retry-after": "4"}) == 4.0


def test_garbage_retry_after_is_ignored() -> None:
    # Regression: email.utils.parsedate_to_datetime raises ValueError on garbage (Python >= 3.10), which
    # once escaped error_from_response instead of a ProviderRateLimited.
    assert _retry({"retry-after": "soon"}) is None
    error = error_from_response(429, _headers({"retry-after": "soon"}), b'{"error": {"message": "slow down"}}')
    assert isinstance(error, perr.ProviderRateLimited) and error.retry_after is None


def test_non_finite_retry_after_is_ignored() -> None:
    # Regression: "inf" was once accepted and later crashed rendering the 429's Retry-After header.
    for value in ("inf", "-inf", "nan"):
        assert _retry({"retry-after": value}) is None
        assert _retry({"retry-after-ms": value}) is None


# --- upstream error bodies --------------------------------------------------------------------


def _error(status: int, body: bytes, headers: dict[str, str] | None = None) -> perr.ProviderError:
    return error_from_response(status, _headers(headers or {}), body)


def test_openai_shaped_error_body() -> None:
    body = {
        "error": {
            "message": "Invalid value for 'temperature'",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "invalid_value",
        }
    }
    error = _error(400, json.dumps(body).encode())
    assert type(error) is perr.ProviderBadRequest
    assert (error.message, error.param, error.code, error.status) == (
        "Invalid value for 'temperature'",
        "temperature",
        "invalid_value",
        400,
    )


def test_openai_shaped_context_length_error() -> None:
    body = {"error": {"message": "too long", "type": "invalid_request_error", "code": "context_length_exceeded"}}
    assert type(_error(400, json.dumps(body).encode())) is perr.ContextWindowExceeded


def test_rate_limit_error_carries_retry_after_header() -> None:
    error = _error(429, b'{"error": {"message": "slow down", "type": "requests"}}', {"retry-after": "3"})
    assert isinstance(error, perr.ProviderRateLimited)
    assert (error.retry_after, error.message) == (3.0, "slow down")


def test_string_error_body() -> None:
    error = _error(503, b'{"error": "model is overloaded"}')
    assert type(error) is perr.ProviderUnavailable
    assert error.message == "model is overloaded"


def test_error_fields_at_the_top_level() -> None:
    error = _error(404, b'{"message": "model not found", "code": "model_not_found"}')
    assert type(error) is perr.ProviderNotFound
    assert (error.message, error.code) == ("model not found", "model_not_found")


def test_non_string_code_is_dropped() -> None:
    error = _error(400, b'{"error": {"message": "bad", "code": 400, "param": null}}')
    assert (error.code, error.param) == (None, None)


def test_non_json_error_body_becomes_the_message() -> None:
    error = _error(502, b"<html><body>Bad Gateway</body></html>")
    assert type(error) is perr.ProviderUpstreamError
    assert error.message == "upstream answered 502: <html><body>Bad Gateway</body></html>"


def test_long_non_json_body_is_truncated() -> None:
    error = _error(500, b"x" * 5000)
    assert len(error.message) < 600


def test_empty_error_body() -> None:
    assert _error(500, b"").message == "upstream answered 500: HTTP 500"


def test_invalid_utf8_error_body() -> None:
    error = _error(400, b"\xff\xfe bad bytes")
    assert type(error) is perr.ProviderBadRequest and "bad bytes" in error.message


# --- non-streaming chat -----------------------------------------------------------------------


def test_chat_sends_upstream_model_id_and_parses_the_reply() -> None:
    completion, [sent] = chat(json_reply(COMPLETION))
    assert completion.choices[0].message.content == "Hi there"
    assert completion.usage is not None and completion.usage.total_tokens == 7
    assert completion.model_dump(exclude_unset=True)["system_fingerprint"] == "fp_123", "unknown fields are kept"
    assert (sent.method, sent.target) == ("POST", "/v1/chat/completions")
    assert sent.json()["model"] == "upstream-model"
    assert sent.headers["authorization"] == "Bearer sk-up"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-request-id"] == "req-123"
    assert "api-key" not in sent.headers


def test_chat_sends_only_what_the_caller_sent() -> None:
    request = _request(temperature=0.2, reasoning_effort="low", messages=[{"role": "user", "content": "Hi"}])
    _, [sent] = chat(json_reply(COMPLETION), request)
    assert sent.json() == {
        "model": "upstream-model",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.2,
        "reasoning_effort": "low",
        "stream": False,
    }


def test_chat_keeps_content_parts_and_tools_as_sent() -> None:
    parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    _, [sent] = chat(json_reply(COMPLETION), _request(messages=[{"role": "user", "content": parts}], tools=tools))
    assert sent.json()["messages"] == [{"role": "user", "content": parts}]
    assert sent.json()["tools"] == tools


def test_chat_adds_query_params_and_extra_headers() -> None:
    _, [sent] = chat(json_reply(COMPLETION), query_params={"api-version": "2024-06-01"}, headers={"x-tenant": "t1"})
    assert sent.target == "/v1/chat/completions?api-version=2024-06-01"
    assert sent.headers["x-tenant"] == "t1"


def test_azure_endpoint_also_gets_the_api_key_header() -> None:
    _, [sent] = chat(json_reply(COMPLETION), path="/openai.azure/v1", api_key="az")
    assert sent.target == "/openai.azure/v1/chat/completions"
    assert (sent.headers["api-key"], sent.headers["authorization"]) == ("az", "Bearer az")


def test_no_authorization_without_api_key() -> None:
    _, [sent] = chat(json_reply(COMPLETION), api_key=None)
    assert "authorization" not in sent.headers


def test_chat_before_start_is_unavailable() -> None:
    provider = OpenAICompatibleProvider(_deployment("http://127.0.0.1:9/v1"), HttpClients())
    with pytest.raises(perr.ProviderUnavailable):
        asyncio.run(provider.chat(_request(), OPTIONS))


def test_chat_upstream_error_status_maps() -> None:
    with pytest.raises(perr.ProviderRateLimited) as caught:
        chat(json_reply({"error": {"message": "slow"}}, 429, {"retry-after": "2"}))
    assert (caught.value.message, caught.value.retry_after) == ("slow", 2.0)


def test_chat_upstream_html_error_maps() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="upstream answered 502: <html>"):
        chat(Reply(502, b"<html>Bad Gateway</html>", {"content-type": "text/html"}))


def test_invalid_json_completion_is_an_upstream_error() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="invalid chat completion"):
        chat(Reply(200, b"{not json", {"content-type": "application/json"}))


def test_completion_of_the_wrong_shape_is_an_upstream_error() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="invalid chat completion"):
        chat(json_reply({"id": "x", "choices": "nope"}))


# --- streaming --------------------------------------------------------------------------------


def test_stream_asks_for_usage_and_sends_upstream_model_id() -> None:
    request = _request(stream=True, stream_options={"include_usage": False, "vendor_flag": 1})
    _, [sent] = stream(sse_reply([FULL_STREAM]), request)
    body = sent.json()
    assert body["model"] == "upstream-model"
    assert body["stream"] is True
    assert body["stream_options"]["include_usage"] is True
    assert body["stream_options"]["vendor_flag"] == 1


def test_stream_without_stream_options_still_asks_for_usage() -> None:
    _, [sent] = stream(sse_reply([FULL_STREAM]), _request(stream=True))
    assert sent.json()["stream_options"] == {"include_usage": True}
    assert set(sent.json()) == {"model", "messages", "stream", "stream_options"}


def test_stream_yields_every_chunk_including_usage() -> None:
    chunks, _ = stream(sse_reply([FULL_STREAM]))
    assert [c.choices[0].delta.content for c in chunks[:2]] == ["Hel", "lo"]
    assert chunks[2].choices[0].finish_reason == "stop"
    assert chunks[3].choices == [] and chunks[3].usage is not None and chunks[3].usage.total_tokens == 5
    assert len(chunks) == 4


def test_chunks_split_mid_json_parse() -> None:
    pieces = [FULL_STREAM[i : i + 23] for i in range(0, len(FULL_STREAM), 23)]
    assert pieces[0].startswith(b'data: {"id"') and not pieces[0].endswith(b"\n\n")
    chunks, _ = stream(sse_reply(pieces, pause_s=0.002))
    assert [c.choices[0].delta.content for c in chunks[:2]] == ["Hel", "lo"]
    assert len(chunks) == 4


def test_stream_ending_with_finish_reason_but_no_done_is_complete() -> None:
    chunks, _ = stream(sse_reply([_chunk("a"), _chunk(finish="length")]))
    assert len(chunks) == 2


def test_stream_cut_before_done_or_finish_reason_raises() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUpstreamError, match="before it was complete"):
        stream(sse_reply([_chunk("a"), _chunk("b")]), received=received)
    assert [c.choices[0].delta.content for c in received] == ["a", "b"]


def test_empty_stream_raises() -> None:
    with pytest.raises(perr.ProviderUpstreamError):
        stream(sse_reply([]))


def test_error_event_mid_stream_raises() -> None:
    error_event = b'data: {"error": {"message": "the model crashed", "type": "server_error"}}\n\n'
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUpstreamError, match="the model crashed"):
        stream(sse_reply([_chunk("a"), error_event, _chunk("b")]), received=received)
    assert len(received) == 1


def test_non_json_event_raises() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="not JSON"):
        stream(sse_reply([_chunk("a"), b"data: {oops\n\n"]))


def test_invalid_chunk_shape_raises() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="invalid stream chunk"):
        stream(sse_reply([b'data: {"id": "c1"}\n\n']))


def test_stream_error_status_maps_before_any_chunk() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUnavailable) as caught:
        stream(json_reply({"error": {"message": "overloaded"}}, 503, {"retry-after": "4"}), received=received)
    assert (caught.value.message, caught.value.retry_after, received) == ("overloaded", 4.0, [])


# --- transport failures -----------------------------------------------------------------------

FAST = {"timeouts": {"connect": 1, "read": 0.1}}


def test_refused_connection_is_unavailable() -> None:
    for call in (chat, stream):
        with pytest.raises(perr.ProviderUnavailable) as caught:
            call(None)
        assert caught.value.retryable
        assert caught.value.message == "The upstream model cannot be reached."
        assert caught.value.detail is not None and "upstream-model" in caught.value.detail  # for the log only


def test_no_answer_within_the_read_timeout_is_a_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(perr.ProviderTimeout):
        chat(Reply(stall_before_headers=True), **FAST)
    with pytest.raises(perr.ProviderTimeout):
        stream(Reply(stall_before_headers=True), **FAST)
    assert time.monotonic() - started < 2


def test_silence_mid_stream_is_a_timeout() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderTimeout):
        stream(sse_reply([_chunk("a"), _chunk("b")], stall_after=1), received=received, **FAST)
    assert len(received) == 1


def test_connection_dropped_mid_stream_is_an_upstream_error() -> None:
    received: list[ChatCompletionChunk] = []
    with pytest.raises(perr.ProviderUpstreamError) as caught:
        stream(sse_reply([_chunk("a"), _chunk("b")], drop_after=1), received=received)
    assert type(caught.value) is perr.ProviderUpstreamError and caught.value.retryable
    assert len(received) == 1


def test_closing_the_stream_early_releases_it() -> None:
    async def first_only(provider: OpenAICompatibleProvider) -> str | None:
        source = provider.chat_stream(_request(stream=True), OPTIONS)
        first = await anext(aiter(source))
        await source.aclose()  # type: ignore[attr-defined]
        return first.choices[0].delta.content

    content, _ = against(sse_reply([_chunk("a"), _chunk("b")], stall_after=1), first_only)
    assert content == "a"


# --- embeddings and tokens --------------------------------------------------------------------


def test_embeddings_refused_when_the_deployment_has_none() -> None:
    with pytest.raises(perr.UnsupportedOperation):
        against(json_reply({}), lambda p: p.embed(EmbeddingRequest(model="m", input="hi"), OPTIONS))


def test_embeddings_sent_to_the_embeddings_url() -> None:
    reply = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": "e"}
    request = EmbeddingRequest(model="public", input=["a", "b"])
    response, [sent] = against(json_reply(reply), lambda p: p.embed(request, OPTIONS), embeddings=True)
    assert response.data[0].embedding == [0.1, 0.2]
    assert sent.target == "/v1/embeddings"
    assert sent.json() == {"model": "upstream-model", "input": ["a", "b"]}


def test_count_tokens_counts_the_prompt() -> None:
    provider = OpenAICompatibleProvider(_deployment("http://127.0.0.1:9/v1", model="gpt-4"), HttpClients())
    assert asyncio.run(provider.count_tokens(_request())) == 3 + 3 + 1
