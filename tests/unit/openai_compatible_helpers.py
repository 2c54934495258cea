"""A scripted HTTP/1.1 upstream on a loopback socket, served in-process (no threads, no subprocess),
and an OpenAI-compatible provider run against it: what the test_openai_compatible_*.py tests share,
so that each sees what the provider sent and what it made of real bytes on a real connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from providers.base import CallOptions
from providers.canonical import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from providers.http import HttpClients
from providers.openai_compatible import OpenAICompatibleProvider, OpenAIDeployment

T = TypeVar("T")
OPTIONS = CallOptions(request_id="req-123")


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
