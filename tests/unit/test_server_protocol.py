"""Strata's HTTP protocol on a fake transport: what it builds on uvicorn's internals (pipelining,
the request cycle, flow control) still works as uvicorn does, and it keeps its own books."""

from __future__ import annotations

import asyncio
from typing import Any

import uvloop
from uvicorn.config import Config
from uvicorn.server import ServerState

from gateway.server.limits import ClientConnections, ConnectionLimits
from gateway.server.protocol import StrataHttpProtocol

LIVE = b"GET /live HTTP/1.1\r\nHost: strata\r\n\r\n"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await asyncio.sleep(0.01)  # still answering when what comes next arrives
    body = scope["path"][1:].encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


class FakeTransport(asyncio.Transport):
    def __init__(self, peer: str = "10.0.0.1") -> None:
        super().__init__()
        self.peer = peer
        self.written = b""
        self.closed = False
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 4000), "peername": (self.peer, 50000)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def can_write_eof(self) -> bool:
        return False


def protocol(clients: ClientConnections | None = None) -> StrataHttpProtocol:
    config = Config(app, log_level="warning", lifespan="off")
    config.load()
    limits = ConnectionLimits(5.0, 5.0, 5.0, 4096, 2)
    return StrataHttpProtocol(
        config=config, server_state=ServerState(), app_state={}, limits=limits, clients=clients or ClientConnections(2)
    )


def statuses(transport: FakeTransport) -> list[bytes]:
    return [line.split(b" ")[1] for line in transport.written.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def test_pipelined_requests_are_answered_in_order_on_a_connection_that_stays_open() -> None:
    async def scenario() -> FakeTransport:
        served, transport = protocol(), FakeTransport()
        served.connection_made(transport)
        served.data_received(LIVE.replace(b"/live", b"/one") + LIVE.replace(b"/live", b"/two"))
        await asyncio.sleep(0.1)
        return transport

    transport = uvloop.run(scenario())

    assert transport.written.count(b"HTTP/1.1 200 OK") == 2
    assert transport.written.index(b"one") < transport.written.index(b"two")
    assert not transport.closed


def test_garbage_behind_a_request_in_flight_lets_its_response_finish_then_closes() -> None:
    async def scenario() -> FakeTransport:
        served, transport = protocol(), FakeTransport()
        served.connection_made(transport)
        served.data_received(LIVE.replace(b"/live", b"/one") + b"\x00garbage\r\n\r\n")
        await asyncio.sleep(0.1)
        return transport

    transport = uvloop.run(scenario())

    assert statuses(transport) == [b"200"]
    assert transport.written.endswith(b"one")
    assert transport.closed


def test_a_connection_counts_against_its_address_until_it_is_lost() -> None:
    async def scenario() -> tuple[list[FakeTransport], ClientConnections]:
        clients = ClientConnections(2)
        transports = [FakeTransport() for _ in range(3)]
        opened = [protocol(clients) for _ in transports]
        for served, transport in zip(opened, transports, strict=True):
            served.connection_made(transport)
        assert clients.open_from("10.0.0.1") == 2
        opened[0].connection_lost(None)
        opened[2].connection_lost(None)  # the refused one was never counted
        protocol(clients).connection_made(FakeTransport("10.0.0.2"))  # another address has its own count
        assert clients.open_from("10.0.0.2") == 1
        return transports, clients

    transports, clients = uvloop.run(scenario())

    assert [statuses(t) for t in transports] == [[], [], [b"429"]]
    assert clients.open_from("10.0.0.1") == 1
