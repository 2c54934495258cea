"""A scripted HTTP/1.1 keep-alive server and a recording HTTP proxy, in-process, for the upstream client's tests.

async with ScriptedServer(script) as server:          # server.origin: http://127.0.0.1:PORT
    pool = ConnectionPool(server.origin)
run(script, action, max_connections=2)                # the same, in a fresh loop, pool closed after

async with RecordingProxy(server) as proxy:           # forwards everything to server, whatever the target
    pool = ConnectionPool("http://bücher.example", proxy=Proxy.parse(proxy.url))
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from providers.transport import ConnectionPool, UpstreamResponse

T = TypeVar("T")

# What the server does with one request: the bytes to answer with (None: close without answering),
# and whether to close the connection after answering.
Script = Callable[[int, bytes], Awaitable[tuple[bytes | None, bool]]]

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


async def always_ok(n: int, request: bytes) -> tuple[bytes | None, bool]:
    return OK, False


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    """One request: its head and its content-length body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
        0,
    )
    return head + await reader.readexactly(length)


class _Tasks:
    """The connection handlers of a server, cancelled when it stops."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def track(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)

    def spawn(self, work: Awaitable[None]) -> None:
        self.tasks.add(asyncio.ensure_future(work))

    async def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


class ScriptedServer:
    """Reads requests one after another on each connection and answers as the script says."""

    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.connections = 0  # accepted so far
        self.open_now = 0
        self.most_open = 0  # the most connections open at once
        self.requests: list[bytes] = []
        self._tasks = _Tasks()

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port: int = self._server.sockets[0].getsockname()[1]
        self.origin = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._tasks.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.track()
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while True:
                self.requests.append(await _read_request(reader))
                answer, close = await self.script(len(self.requests), self.requests[-1])
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_now -= 1
            writer.close()


class RecordingProxy:
    """An HTTP proxy that records what it is asked and sends everything on to one server.

    CONNECT requests get ``connect_answer`` (200 by default) and then a byte pipe to the server;
    absolute-form requests are forwarded with an origin-form target, one server connection per
    client connection. Whatever host the request names, it reaches ``server``: no DNS needed.
    """

    def __init__(self, server: ScriptedServer, connect_answer: bytes = b"HTTP/1.1 200 Connection established") -> None:
        self.server = server
        self.connect_answer = connect_answer
        self.heads: list[bytes] = []  # each request's head as received (CONNECT or absolute-form)
        self._tasks = _Tasks()

    async def __aenter__(self) -> RecordingProxy:
        self._listener = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._listener.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._listener.close()
        await self._tasks.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.track()
        upstream: asyncio.StreamWriter | None = None
        try:
            while True:
                request = await _read_request(reader)
                head = request.split(b"\r\n\r\n", 1)[0]
                self.heads.append(head)
                if upstream is None:
                    up_reader, upstream = await asyncio.open_connection("127.0.0.1", self.server.port)
                    self._tasks.spawn(_pipe(up_reader, writer))
                if head.startswith(b"CONNECT "):
                    writer.write(self.connect_answer + b"\r\n\r\n")
                    if b" 200 " in self.connect_answer:
                        await _pipe(reader, upstream)
                    return
                upstream.write(_origin_form(request))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            if upstream is not None:
                upstream.close()


def _origin_form(request: bytes) -> bytes:
    """``POST http://host:port/path HTTP/1.1`` becomes ``POST /path HTTP/1.1``; the proxy's own header goes."""
    line, rest = request.split(b"\r\n", 1)
    method, target, version = line.split(b" ")
    path = b"/" + target.split(b"://", 1)[1].split(b"/", 1)[1]
    lines = [h for h in rest.split(b"\r\n") if not h.lower().startswith(b"proxy-authorization:")]
    return b" ".join((method, path, version)) + b"\r\n" + b"\r\n".join(lines)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


def run(script: Script, action: Callable[[ConnectionPool, ScriptedServer], Awaitable[T]], **pool_options: Any) -> T:
    """Run ``action`` with a pool (given ``pool_options``) on a fresh scripted server, in a new loop."""

    async def go() -> T:
        async with ScriptedServer(script) as server:
            pool = ConnectionPool(server.origin, **pool_options)
            try:
                return await action(pool, server)
            finally:
                pool.close()

    return asyncio.run(go())


async def post(pool: ConnectionPool, read_timeout: float = 5.0, connect_timeout: float = 5.0) -> UpstreamResponse:
    head = b"content-type: application/json\r\n"
    return await pool.request(
        b"POST", b"/v1/x", head, b'{"a":1}', connect_timeout=connect_timeout, read_timeout=read_timeout
    )
