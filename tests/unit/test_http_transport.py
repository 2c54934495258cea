"""The transport interface: a provider runs on any Transport, so a test can hand it one with no socket at all."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping

from providers.base import CallOptions
from providers.canonical import ChatCompletionRequest
from providers.http import HttpClients
from providers.openai_compatible import OpenAICompatibleProvider, OpenAIDeployment
from providers.transport import ConnectionPool, ProxyConfig, Response, Transport


class CannedResponse(Response):
    def __init__(self, status: int, pieces: list[bytes], headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.headers = headers or {}
        self.pieces = pieces

    async def read(self) -> bytes:
        return b"".join(self.pieces)

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece

    def close(self) -> None:
        pass


class CannedTransport(Transport):
    """Answers every request with the next canned response and records what it was sent."""

    def __init__(self, *responses: CannedResponse) -> None:
        self.responses = list(responses)
        self.sent: list[tuple[bytes, bytes, bytes, bytes]] = []

    async def request(
        self, method: bytes, target: bytes, head: bytes, body: bytes, *, connect_timeout: float, read_timeout: float
    ) -> Response:
        self.sent.append((method, target, head, body))
        return self.responses.pop(0)


class ClientsWith(HttpClients):
    def __init__(self, transport: Transport) -> None:
        super().__init__(proxies=ProxyConfig())
        self.transport = transport

    def pool_for(self, url: str) -> Transport:
        return self.transport


COMPLETION = {
    "id": "c1",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
}
CHUNK = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def test_a_provider_runs_on_a_substituted_transport() -> None:
    stream = [
        b"data: " + json.dumps({**CHUNK, "choices": [{"index": 0, "delta": {"content": "Hi"}}]}).encode() + b"\n\n",
        b"data: " + json.dumps({**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).encode(),
        b"\n\ndata: [DONE]\n\n",
    ]
    transport = CannedTransport(CannedResponse(200, [json.dumps(COMPLETION).encode()]), CannedResponse(200, stream))
    deployment = OpenAIDeployment(provider="openai", model="up", api_base="https://api.example.com/v1", api_key="k")
    request = ChatCompletionRequest.model_validate({"model": "m", "messages": [{"role": "user", "content": "Hello"}]})

    async def go() -> tuple[str | None, list[str | None]]:
        provider = OpenAICompatibleProvider(deployment, ClientsWith(transport))
        await provider.start()
        completion = await provider.chat(request, CallOptions(request_id="r1"))
        chunks = [c async for c in provider.chat_stream(request, CallOptions(request_id="r2"))]
        return completion.choices[0].message.content, [c.choices[0].delta.content for c in chunks if c.choices]

    assert asyncio.run(go()) == ("Hi", ["Hi", None])
    assert [(method, target) for method, target, _, _ in transport.sent] == [(b"POST", b"/v1/chat/completions")] * 2
    assert b"x-request-id: r1\r\n" in transport.sent[0][2]


def test_the_pool_is_the_transport_of_the_hot_path() -> None:
    assert isinstance(HttpClients(proxies=ProxyConfig()).pool_for("http://127.0.0.1:9"), ConnectionPool)
    assert issubclass(ConnectionPool, Transport)
