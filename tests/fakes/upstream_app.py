"""The fake OpenAI-compatible upstream's ASGI app (served by `tests.fakes.upstream`): a raw ASGI app,
no framework, orjson. Its routes: chat completions (streamed or not), embeddings and models, on
OpenAI's and Azure OpenAI's paths, and the control plane under /_fake/ that sets a behaviour per
model id, resets, and reports what was received. What it answers is built by
`tests.fakes.upstream_responses`; failures are injected by the behaviour's knobs.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson

from tests.fakes import upstream_responses as r
from tests.fakes.upstream_responses import BadRequest, Behaviour, Json

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_RECORDED = 1000
SPLIT_PAUSE_S = 0.001

_JSON = (b"content-type", b"application/json")
# Azure OpenAI's paths (/openai/deployments/NAME/chat/completions?api-version=...) serve the same routes.
_AZURE_DEPLOYMENT = re.compile(r"^/openai/deployments/[^/]+/")
_SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]


class DropConnection(Exception):
    """Raised after the response started: uvicorn then closes the connection mid-stream."""


class _QuietDrops(logging.Filter):
    """Keeps uvicorn from logging a traceback for every deliberate `DropConnection`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DropConnection))


_QUIET_DROPS = _QuietDrops()


def quiet_deliberate_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _QUIET_DROPS not in logger.filters:
        logger.addFilter(_QUIET_DROPS)


class FakeUpstreamApp:
    """The ASGI app. All state lives on the instance."""

    def __init__(self) -> None:
        self.behaviours: dict[str, Behaviour] = {}
        self.failures: dict[str, int] = {}
        self.recorded: deque[Json] = deque(maxlen=MAX_RECORDED)
        self.counters = dict.fromkeys(
            ("requests", "streams_started", "streams_completed", "streams_cancelled", "streams_dropped"), 0
        )
        self.routes: dict[tuple[str, str], Callable[[Scope, Receive, Send, Any], Awaitable[None]]] = {
            ("POST", "/v1/chat/completions"): self._chat,
            ("POST", "/v1/embeddings"): self._embeddings,
            ("GET", "/v1/models"): self._models,
            ("POST", "/_fake/behaviour"): self._set_behaviour,
            ("POST", "/_fake/reset"): self._reset,
            ("GET", "/_fake/requests"): self._requests,
            ("GET", "/_fake/stats"): self._stats,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        handler = self.routes.get((scope["method"], _AZURE_DEPLOYMENT.sub("/v1/", path)))
        if handler is None:
            await _send_json(send, 404, r.error_body(404, f"Unknown route {scope['method']} {path}"))
            return
        raw = await _read_body(receive)
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            await _send_json(send, 400, r.error_body(400, "We could not parse the JSON body of your request."))
            return
        openai_call = not path.startswith("/_fake/")
        if openai_call:  # the control plane is neither counted nor recorded
            self.counters["requests"] += 1
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            query = scope["query_string"].decode("latin-1")
            self.recorded.append(
                {"method": scope["method"], "path": path, "query": query, "headers": headers, "body": body}
            )
        if not isinstance(body, dict):
            await _send_json(send, 400, r.error_body(400, "The request body must be a JSON object."))
            return
        if openai_call and await self._gate(scope, send, body, headers):
            return
        try:
            await handler(scope, receive, send, body)
        except BadRequest as exc:
            await _send_json(send, 400, r.error_body(400, str(exc)))

    # ------------------------------------------------------------ behaviour

    def behaviour_for(self, model: Any) -> Behaviour:
        found = self.behaviours.get(model) if isinstance(model, str) else None
        return found or self.behaviours.get("*") or r.DEFAULT_BEHAVIOUR

    async def _gate(self, scope: Scope, send: Send, body: Json, headers: dict[str, str]) -> bool:
        """Apply auth, latency and injected errors; True when a response was already sent."""
        given = body.get("model")
        model = given if isinstance(given, str) else "*"
        b = self.behaviour_for(model)
        if b.expected_api_key is not None and headers.get("authorization") != f"Bearer {b.expected_api_key}":
            message = "Incorrect API key provided."
            await _send_json(send, 401, r.error_body(401, message, "invalid_request_error", "invalid_api_key"))
            return True
        if b.latency_ms > 0:
            await asyncio.sleep(b.latency_ms / 1000)
        if b.status is None:
            return False
        if b.fail_times is not None:
            if self.failures.get(model, 0) >= b.fail_times:
                return False
            self.failures[model] = self.failures.get(model, 0) + 1
        extra = [(b"retry-after", _num(b.retry_after).encode())] if b.retry_after is not None else []
        await _send_json(send, b.status, r.behaviour_error_body(b, b.status), extra)
        return True

    # ------------------------------------------------------------ OpenAI surface

    async def _chat(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        b = self.behaviour_for(body.get("model"))
        plan = r.plan_chat(body, b)
        if body.get("stream"):
            await self._stream(receive, send, r.stream_events(plan, b), b)
        else:
            await _send_json(send, 200, r.chat_completion(plan))

    async def _embeddings(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        await _send_json(send, 200, r.embeddings(body, self.behaviour_for(body.get("model"))))

    async def _models(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        ids = sorted({"fake-model", *self.behaviours} - {"*"})
        await _send_json(send, 200, r.models(ids))

    async def _stream(self, receive: Receive, send: Send, events: Iterator[tuple[int, bytes]], b: Behaviour) -> None:
        self.counters["streams_started"] += 1
        gone = asyncio.Event()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
        try:
            outcome = await _relay(send, events, b, gone)
        except DropConnection:
            self.counters["streams_dropped"] += 1
            raise
        finally:
            watcher.cancel()
        self.counters["streams_completed" if outcome else "streams_cancelled"] += 1

    # ------------------------------------------------------------ control plane

    async def _set_behaviour(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        knobs = dict(body)
        model = knobs.pop("model", "*")
        self.behaviours[model] = behaviour = Behaviour.from_knobs(knobs)
        if model == "*":
            self.failures.clear()
        else:
            self.failures.pop(model, None)
        await _send_json(send, 200, orjson.dumps({"model": model, "behaviour": behaviour.as_dict()}))

    async def _reset(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        self.behaviours.clear()
        self.failures.clear()
        self.recorded.clear()
        for key in self.counters:
            self.counters[key] = 0
        await _send_json(send, 200, b'{"ok":true}')

    async def _requests(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        await _send_json(send, 200, orjson.dumps(list(self.recorded)))

    async def _stats(self, scope: Scope, receive: Receive, send: Send, body: Json) -> None:
        await _send_json(send, 200, orjson.dumps(self.counters))


async def _relay(send: Send, events: Iterator[tuple[int, bytes]], b: Behaviour, gone: asyncio.Event) -> bool:
    """Write the SSE events; False when the client went away first. Raises DropConnection on demand."""
    await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
    delay = b.chunk_delay_ms / 1000
    sent_content = 0
    pending = next(events)
    for kind, event in events:
        await _write_event(send, pending[1], b.split_events, more_body=True)
        sent_content += pending[0] == r.CONTENT
        if delay > 0:
            await asyncio.sleep(delay)
        if gone.is_set():
            return False
        if b.drop_after_chunks is not None and sent_content >= b.drop_after_chunks:
            raise DropConnection(f"dropped after {sent_content} content chunks")
        pending = (kind, event)
    await _write_event(send, pending[1], b.split_events, more_body=False)
    return not gone.is_set()


async def _write_event(send: Send, event: bytes, split: bool, more_body: bool) -> None:
    if split:
        cut = 6 + (len(event) - 6) // 2  # past "data: ", in the middle of the JSON
        await send({"type": "http.response.body", "body": event[:cut], "more_body": True})
        await asyncio.sleep(SPLIT_PAUSE_S)
        event = event[cut:]
    await send({"type": "http.response.body", "body": event, "more_body": more_body})


async def _watch_disconnect(receive: Receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        return body
    parts = [body]
    while message.get("more_body"):
        message = await receive()
        parts.append(message.get("body", b""))
    return b"".join(parts)


async def _send_json(send: Send, status: int, payload: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [_JSON, (b"content-length", str(len(payload)).encode())]
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
