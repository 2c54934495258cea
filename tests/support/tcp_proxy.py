"""A TCP proxy that a test can cut: the database "goes down" without touching the real server.

    with TcpProxy("127.0.0.1", 5432) as proxy:     # clients connect to 127.0.0.1:proxy.port
        proxy.cut()       # drop every open connection, refuse new ones (nothing listens)
        proxy.restore()   # listen again on the same port
        proxy.blackhole() # a hanging server: connections are accepted, nothing is forwarded either way
        proxy.restore()   # traffic held meanwhile flows again, as after a stall or a healed partition

It runs its own asyncio loop in a thread, so a synchronous test can drive it.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any

from tests.support.gateway import free_port


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._flowing: asyncio.Event | None = None

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def cut(self) -> None:
        self._call(self._cut())

    def blackhole(self) -> None:
        self._call(self._set_flowing(False))

    def restore(self) -> None:
        self._call(self._listen())

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _set_flowing(self, flowing: bool) -> None:
        if self._flowing is None:
            self._flowing = asyncio.Event()
        if flowing:
            self._flowing.set()
        else:
            self._flowing.clear()

    async def _listen(self) -> None:
        await self._set_flowing(True)
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None or self._flowing is None:
            writer.transport.abort()
            return
        self._open.add(writer)
        await self._flowing.wait()  # blackholed: accepted, but the server is not even asked
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self._open.discard(writer)
            writer.transport.abort()
            return
        self.connections += 1
        self._open.add(upstream_writer)
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()  # blackholed: hold what arrived until restored
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._open.discard(writer)
            writer.transport.abort()
