"""A fake OpenAI-compatible upstream: a real HTTP server for integration tests and benchmarks.

A raw ASGI app (no framework, orjson) served by uvicorn with uvloop and httptools, so it
serves thousands of requests per second on one core. Failure modes are driven per model id
through a small control plane:

    POST /_fake/behaviour  {"model": "gpt-x" | "*", ...knobs}   (replaces that model's behaviour)
    POST /_fake/reset       GET /_fake/requests       GET /_fake/stats

Knobs are the fields of `Behaviour` in `tests.fakes.upstream_responses`.

    with FakeUpstream() as upstream:                      # a subprocess; in_thread=True for a thread
        upstream.set_behaviour("gpt-x", status=429, retry_after=1, fail_times=1)
        client = openai.OpenAI(base_url=upstream.url, api_key="k")

Run standalone: `python -m tests.fakes.upstream --port 9000`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import orjson
import uvicorn
import uvloop

from tests.fakes import upstream_responses as r
from tests.fakes.upstream_responses import BadRequest, Behaviour, Json

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_RECORDED = 1000
SPLIT_PAUSE_S = 0.001
PORT_ANNOUNCE = "FAKE_UPSTREAM_PORT="
ROOT = Path(__file__).resolve().parents[2]

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


# ---------------------------------------------------------------- serving


def make_config(app: FakeUpstreamApp, host: str, port: int, own_logging: bool = True) -> uvicorn.Config:
    """uvicorn settings for speed; `own_logging=False` leaves the host process's logging alone."""
    extra: dict[str, Any] = {} if own_logging else {"log_config": None}
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        ws="none",
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        timeout_graceful_shutdown=2,
        **extra,
    )
    quiet_deliberate_drops()
    return config


def bind_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _wait_accepting(host: str, port: int, deadline: float, alive: Callable[[], bool]) -> None:
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("fake upstream exited during startup")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"fake upstream did not accept connections on {host}:{port}")


class FakeUpstream:
    """Handle on a fake upstream server running in a subprocess (default) or a background thread."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, in_thread: bool = False, startup_timeout_s: float = 20.0
    ) -> None:
        self.host, self.port, self.in_thread = host, port, in_thread
        self.startup_timeout_s = startup_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI api_base, ending in /v1."""
        return f"{self.base_url}/v1"

    def start(self) -> FakeUpstream:
        deadline = time.monotonic() + self.startup_timeout_s
        if self.in_thread:
            self._start_thread(deadline)
        else:
            self._start_process(deadline)
        self._client = httpx.Client(base_url=self.base_url, timeout=10.0, trust_env=False)
        return self

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = self._thread = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _start_thread(self, deadline: float) -> None:
        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = uvicorn.Server(make_config(FakeUpstreamApp(), self.host, self.port, own_logging=False))

        def serve() -> None:
            with sock, asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(server.serve(sockets=[sock]))

        self._server = server
        self._thread = threading.Thread(target=serve, name=f"fake-upstream-{self.port}", daemon=True)
        self._thread.start()
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake upstream thread failed to start")
            time.sleep(0.01)

    def _start_process(self, deadline: float) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        module = ["-m", "tests.fakes.upstream", "--exit-with-parent"]
        command = [sys.executable, *module, "--host", self.host, "--port", str(self.port)]
        self._process = process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        line = process.stdout.readline().decode() if ready else ""
        if not line.startswith(PORT_ANNOUNCE):
            self.stop()
            raise RuntimeError(f"fake upstream failed to start (said {line!r})")
        self.port = int(line[len(PORT_ANNOUNCE) :])
        _wait_accepting(self.host, self.port, deadline, lambda: process.poll() is None)

    # ------------------------------------------------------------ control plane helpers

    def _call(self, method: str, path: str, body: Json | None = None) -> Any:
        if self._client is None:
            raise RuntimeError("FakeUpstream is not started")
        response = self._client.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def set_behaviour(self, model: str = "*", **knobs: Any) -> None:
        """Replace the behaviour for requests whose body "model" is `model` ("*": the default)."""
        self._call("POST", "/_fake/behaviour", {"model": model, **knobs})

    def reset(self) -> None:
        self._call("POST", "/_fake/reset")

    def requests(self) -> list[Json]:
        result: list[Json] = self._call("GET", "/_fake/requests")
        return result

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = self._call("GET", "/_fake/stats")
        return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake OpenAI-compatible upstream server.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (announced on stdout)")
    parser.add_argument("--exit-with-parent", action="store_true", help="stop when the parent process dies")
    args = parser.parse_args(argv)
    sock = bind_socket(args.host, args.port)
    port = sock.getsockname()[1]
    server = uvicorn.Server(make_config(FakeUpstreamApp(), args.host, port))
    if args.exit_with_parent:
        threading.Thread(target=_exit_with_parent, args=(server, os.getppid()), daemon=True).start()
    print(f"{PORT_ANNOUNCE}{port}", flush=True)
    server.run(sockets=[sock])


def _exit_with_parent(server: uvicorn.Server, parent: int) -> None:
    """No orphaned servers when a test run is killed before it can call `stop()`."""
    while os.getppid() == parent:
        time.sleep(0.5)
    server.should_exit = True


if __name__ == "__main__":
    main()
