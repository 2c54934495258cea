"""A minimal pipelined Redis client, for the quota store's two scripts and nothing else.

Why not redis-py: its asyncio client spends about 250 us of CPU per EVALSHA (pool checkout,
locks, a pure-Python parser) where the round trip itself costs about 35 us; on the request path,
twice per call, that alone would exceed the whole overhead budget. This client keeps ONE
connection per process and pipelines on it: the commands of one event-loop iteration go out in
one write, and the replies, which Redis returns in order, resolve the waiting futures first-in
first-out. Because commands from one process run in the order they were queued, a settlement
queued before the next reservation is always counted first, so settlements need not wait.

It speaks just enough RESP2 for that: integers, simple and bulk strings, errors, arrays. URLs as
every Redis user reads them (gateway/config/redis.py).
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from typing import Any, cast

from gateway.config.redis import RedisEndpoint

Reply = Any  # int | bytes | str | None | list[Reply] | RespError
_INCOMPLETE: Any = object()


class RespError(Exception):
    """An error reply from Redis (``-NOSCRIPT ...``, ``-ERR ...``)."""


def encode(*args: bytes | str | int) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def parse(buffer: bytearray, start: int) -> tuple[Reply, int]:
    """One reply from ``buffer`` at ``start``: (reply, next position), or (_INCOMPLETE, start)."""
    end = buffer.find(b"\r\n", start)
    if end < 0:
        return _INCOMPLETE, start
    kind, line = buffer[start], bytes(buffer[start + 1 : end])
    if kind == 58:  # ':'
        return int(line), end + 2
    if kind == 43:  # '+'
        return line.decode(), end + 2
    if kind == 45:  # '-'
        return RespError(line.decode()), end + 2
    if kind == 36:  # '$'
        size = int(line)
        if size < 0:
            return None, end + 2
        if len(buffer) < end + 4 + size:
            return _INCOMPLETE, start
        return bytes(buffer[end + 2 : end + 2 + size]), end + 4 + size
    if kind == 42:  # '*'
        items: list[Reply] = []
        position = end + 2
        for _ in range(max(0, int(line))):
            item, position = parse(buffer, position)
            if item is _INCOMPLETE:
                return _INCOMPLETE, start
            items.append(item)
        return items, position
    raise RespError(f"unexpected reply type {chr(kind)!r}")


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending: collections.deque[asyncio.Future[Reply]] = collections.deque()
        self.buffer = bytearray()
        self.lost: BaseException | None = None
        self.outgoing: list[bytes] = []  # commands of this loop iteration, written together

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        position = 0
        try:
            while position < len(buffer):
                reply, position = parse(buffer, position)
                if reply is _INCOMPLETE:
                    break
                waiter = self.pending.popleft()
                if not waiter.done():  # a caller that timed out has gone; its reply is dropped
                    waiter.set_result(reply)
        except (RespError, ValueError, IndexError) as exc:  # a garbled stream: nothing after it is trustworthy
            self.fail(exc)
            return
        del buffer[:position]

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(exc or ConnectionError("Redis closed the connection"))

    def fail(self, exc: BaseException) -> None:
        self.lost = exc
        if self.transport is not None:
            self.transport.abort()
        while self.pending:
            waiter = self.pending.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError(f"Redis connection lost: {exc!r}"))

    def send(self, payload: bytes) -> asyncio.Future[Reply]:
        if self.lost is not None or self.transport is None:
            raise ConnectionError("Redis connection is closed")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Reply] = loop.create_future()
        self.pending.append(waiter)
        if not self.outgoing:
            loop.call_soon(self.flush)
        self.outgoing.append(payload)
        return waiter

    def flush(self) -> None:
        """One write for every command queued since the last: on a busy gateway the reservations
        of many calls share a syscall, and a settlement goes out after the response it follows."""
        if self.outgoing and self.transport is not None and self.lost is None:
            self.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()


class RespClient:
    """``await client.call("EVALSHA", sha, 1, key, ...)``; ``client.send(...)`` does not wait."""

    def __init__(self, url: str, timeout_s: float = 1.0) -> None:
        endpoint = RedisEndpoint.parse(url)  # the one reading of the URL every Redis user shares
        self._host = endpoint.host
        self._port = endpoint.port
        self._socket = endpoint.socket_path
        self._tls = endpoint.tls
        self._user = endpoint.username
        self._password = endpoint.password
        self._db = endpoint.db
        self._timeout = timeout_s
        self._connection: _Connection | None = None
        self._connecting: asyncio.Lock | None = None

    async def call(self, *args: bytes | str | int) -> Reply:
        connection = self._connection
        if connection is None or connection.lost is not None:
            connection = await self._connect()
        try:
            async with asyncio.timeout(self._timeout):
                reply = await connection.send(encode(*args))
        except TimeoutError:
            connection.fail(TimeoutError(f"no reply from Redis within {self._timeout:g} s"))
            raise
        if isinstance(reply, RespError):
            raise reply
        return reply

    def send(self, *args: bytes | str | int) -> asyncio.Future[Reply] | None:
        """Queue a command on the open connection (written this loop iteration) and return its
        reply's future; None when there is no open connection: the caller then uses ``call``."""
        connection = self._connection
        if connection is None or connection.lost is not None:
            return None
        return connection.send(encode(*args))

    async def _connect(self) -> _Connection:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:  # one caller connects; the others wait for it
            if self._connection is not None and self._connection.lost is None:
                return self._connection
            loop = asyncio.get_running_loop()
            context = ssl.create_default_context() if self._tls else None
            async with asyncio.timeout(self._timeout):
                if self._socket is not None:
                    _, connection = await loop.create_unix_connection(_Connection, self._socket)
                else:
                    _, connection = await loop.create_connection(_Connection, self._host, self._port, ssl=context)
                try:
                    if self._password is not None:
                        auth = (self._user, self._password) if self._user else (self._password,)
                        _raise_error(await connection.send(encode("AUTH", *auth)))
                    if self._db:
                        _raise_error(await connection.send(encode("SELECT", self._db)))
                except BaseException as exc:
                    connection.fail(exc)
                    raise
            self._connection = connection
            return connection

    async def aclose(self) -> None:
        if self._connection is not None and self._connection.transport is not None:
            self._connection.flush()
            self._connection.transport.close()
            self._connection = None


def _raise_error(reply: Reply) -> None:
    if isinstance(reply, RespError):
        raise reply
