"""One middleware stack: what is added with add_middleware (or @app.middleware) wraps every
route, the ASGI model-call routes included, not only FastAPI's."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.app import create_app
from gateway.config.catalog import parse_catalog
from gateway.config.settings import Settings
from tests.support.gateway import MASTER_KEY, free_port, wait_until_ready

CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"
CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hello there"}]}


class StampMiddleware:
    """A plain ASGI middleware that stamps every response."""

    def __init__(self, app: ASGIApp, value: str) -> None:
        self.app, self.value = app, value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"x-stamp", self.value.encode())]
            await send(message)

        await self.app(scope, receive, stamped)


def test_added_middleware_wraps_model_calls_and_every_other_route(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"), parse_catalog(CATALOG), MASTER_KEY)
    app.add_middleware(StampMiddleware, value="asgi")

    @app.middleware("http")
    async def decorated(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["x-decorated"] = "yes"
        return response

    with serve_app(app, free_port()) as base:
        headers = {"Authorization": f"Bearer {MASTER_KEY}"}
        chat = httpx.post(f"{base}/v1/chat/completions", json=CHAT, headers=headers)
        stream = httpx.post(f"{base}/v1/chat/completions", json={**CHAT, "stream": True}, headers=headers)
        health = httpx.get(f"{base}/health/live")
        missing = httpx.get(f"{base}/nowhere")
    for response in (chat, stream, health, missing):
        assert response.headers.get("x-stamp") == "asgi", response.request.url
        assert response.headers.get("x-decorated") == "yes", response.request.url
        assert response.headers.get("x-request-id"), "the request boundary stays outermost"
    assert chat.json()["choices"][0]["message"]["content"] == "hello there"
    assert "data: [DONE]" in stream.text


def test_middleware_cannot_be_added_once_serving(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "data"), parse_catalog(CATALOG), MASTER_KEY)
    with serve_app(app, free_port()) as base:
        httpx.get(f"{base}/health/live")
        with pytest.raises(RuntimeError, match="after an application has started"):
            app.add_middleware(StampMiddleware, value="late")


@contextmanager
def serve_app(app: ASGIApp, port: int) -> Iterator[str]:
    """The app as built and changed by the test, under a real uvicorn in a thread."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=15)
