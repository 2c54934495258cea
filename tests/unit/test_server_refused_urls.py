"""A URL the HTTP parser refuses (a control character in its path or query) is answered in the error
shape of the surface its path belongs to, though the parser never named the URL: the protocol
reads it from the request line as received, whether it came in one read or in pieces, first on
its connection or after another request."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.server import ServerState

from gateway.server.limits import ClientConnections, ConnectionLimits
from gateway.server.protocol import StrataHttpProtocol
from tests.unit.test_server_protocol import FakeTransport

LIVE = b"GET /live HTTP/1.1\r\nHost: strata\r\n\r\n"
BAD = b"POST /v1/messages?a=\x01 HTTP/1.1\r\nHost: strata\r\nContent-Length: 2\r\n\r\n{}"


class Table:
    def match(self, method: str, path: str) -> SimpleNamespace:
        return SimpleNamespace(surface="anthropic" if path.startswith("/v1/messages") else "openai")


class App:
    routes_table = Table()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})


def answered(*reads: bytes) -> bytes:
    async def scenario() -> FakeTransport:
        config = Config(App(), log_level="warning", lifespan="off")
        config.load()
        served = StrataHttpProtocol(
            config=config,
            server_state=ServerState(),
            app_state={},
            limits=ConnectionLimits(5.0, 5.0, 5.0, 4096, 2),
            clients=ClientConnections(2),
        )
        transport = FakeTransport()
        served.connection_made(transport)
        for data in reads:
            served.data_received(data)
            await asyncio.sleep(0.05)
        return transport

    written: bytes = uvloop.run(scenario()).written
    return written.rsplit(b"HTTP/1.1 ", 1)[1]


def test_a_refused_url_in_one_read_is_answered_in_its_surface_s_shape() -> None:
    answer = answered(BAD)
    assert answer.startswith(b"400 ") and b'{"type":"error"' in answer


def test_a_refused_url_whose_request_line_came_in_pieces_is_answered_in_its_surface_s_shape() -> None:
    answer = answered(BAD[:4], BAD[4:12], BAD[12:])
    assert answer.startswith(b"400 ") and b'{"type":"error"' in answer


def test_a_refused_url_on_a_kept_alive_connection_is_answered_in_its_surface_s_shape() -> None:
    answer = answered(LIVE, BAD)
    assert answer.startswith(b"400 ") and b'{"type":"error"' in answer
