"""A fake Anthropic Messages upstream: a real HTTP server that records what it is sent.

Enough of Anthropic's API for litellm's ``anthropic/`` provider: ``POST /v1/messages`` answers a
message that thought first (a signed thinking block), then says ``REPLY``; with ``stream: true``
the same as Anthropic's stream events. Usage reports prompt-cache reads and writes, as Claude
does. Served by uvicorn in a background thread:

    with FakeAnthropic() as claude:          # claude.url: the api_base; claude.requests: bodies and headers
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import orjson
import uvicorn
import uvloop

from tests.fakes.upstream import bind_socket, make_config

Json = dict[str, Any]
Send = Callable[[Json], Awaitable[None]]
Receive = Callable[[], Awaitable[Json]]

THINKING = "The user greets me; I greet back."
SIGNATURE = "sig-fake-0123"
REPLY = "Hello from Claude."
USAGE = {"input_tokens": 11, "output_tokens": 6, "cache_creation_input_tokens": 3, "cache_read_input_tokens": 7}


def message(model: str) -> Json:
    return {
        "id": "msg_fake_01",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [
            {"type": "thinking", "thinking": THINKING, "signature": SIGNATURE},
            {"type": "text", "text": REPLY},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": USAGE,
    }


def stream_events(model: str) -> list[bytes]:
    start = {**message(model), "content": [], "stop_reason": None, "usage": {**USAGE, "output_tokens": 1}}
    events: list[tuple[str, Json]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", _start(0, {"type": "thinking", "thinking": "", "signature": ""})),
        ("content_block_delta", _delta(0, {"type": "thinking_delta", "thinking": THINKING})),
        ("content_block_delta", _delta(0, {"type": "signature_delta", "signature": SIGNATURE})),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("content_block_start", _start(1, {"type": "text", "text": ""})),
        *(("content_block_delta", _delta(1, {"type": "text_delta", "text": w})) for w in ("Hello ", "from Claude.")),
        ("content_block_stop", {"type": "content_block_stop", "index": 1}),
        (
            "message_delta",
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 6}},
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return [f"event: {name}\ndata: ".encode() + orjson.dumps(data) + b"\n\n" for name, data in events]


def _start(index: int, block: Json) -> Json:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, delta: Json) -> Json:
    return {"type": "content_block_delta", "index": index, "delta": delta}


class FakeAnthropicApp:
    def __init__(self) -> None:
        self.requests: list[Json] = []

    async def __call__(self, scope: Json, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            received = await receive()
            raw += received.get("body", b"")
            if not received.get("more_body"):
                break
        if (scope["method"], scope["path"]) != ("POST", "/v1/messages"):
            await _send(send, 404, [(b"content-type", b"application/json")], [b'{"type":"error"}'])
            return
        body = orjson.loads(raw)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.requests.append({"path": scope["path"], "headers": headers, "body": body})
        model = str(body.get("model"))
        if body.get("stream"):
            await _send(send, 200, [(b"content-type", b"text/event-stream")], stream_events(model))
        else:
            await _send(send, 200, [(b"content-type", b"application/json")], [orjson.dumps(message(model))])


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], parts: list[bytes]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    for part in parts:
        await send({"type": "http.response.body", "body": part, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


class FakeAnthropic:
    def __init__(self) -> None:
        self.app = FakeAnthropicApp()
        self._sock = bind_socket("127.0.0.1", 0)
        self.port: int = self._sock.getsockname()[1]
        self._server = uvicorn.Server(make_config(self.app, "127.0.0.1", self.port, own_logging=False))  # type: ignore[arg-type]
        self._thread = threading.Thread(target=self._serve, name="fake-anthropic", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[Json]:
        return self.app.requests

    def _serve(self) -> None:
        with self._sock, asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(self._server.serve(sockets=[self._sock]))

    def __enter__(self) -> FakeAnthropic:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Anthropic upstream did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
