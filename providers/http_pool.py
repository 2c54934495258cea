"""A lean HTTP/1.1 keep-alive client for upstream model APIs: asyncio protocols and httptools.

Why not aiohttp (or httpx): on the gateway's hot path aiohttp's client cost ~0.25 ms of CPU per
proxied call, a third of the gateway's whole budget (request object, header multidicts, cookie
handling, payload registry, per-chunk timeout rescheduling). Model APIs need little of that:
POST a JSON body, read a JSON body or a stream of SSE bytes. This client writes each request in
one call, parses the response with httptools (the C parser uvicorn uses), keeps connections per
origin, and bounds reads with one timer per request. bench/http_clients.py compares them.

Semantics kept from the client it replaces:
- ``connect_timeout`` bounds opening a connection (TLS included); ``read_timeout`` bounds the
  first byte of the response and every gap between bytes after it.
- A connection goes back to the pool only after a complete response that allows keep-alive; a
  response abandoned half-read (cancelled, closed early, failed) closes its connection.
- A reused idle connection that the server closed just as it was reused (the keep-alive race:
  no response byte came back) is replaced by a fresh one once; nothing else is retried here.
- No cookies, no redirects, no proxies from the environment, no compression negotiation.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncGenerator, Mapping
from typing import cast
from urllib.parse import urlsplit

import httptools

_PAUSE_AT = 1 << 20  # a stream buffered past this (a slow reader) pauses the socket
_RESUME_AT = 1 << 18


class UpstreamError(Exception):
    """The exchange with the upstream failed below HTTP (connect, read, framing)."""


class ConnectError(UpstreamError):
    """The upstream could not be reached (refused, unresolvable, TLS failed)."""


class ConnectTimeout(UpstreamError, TimeoutError):
    """Opening the connection took longer than the connect timeout."""


class ReadTimeout(UpstreamError, TimeoutError):
    """The upstream went silent for longer than the read timeout."""


class Disconnected(UpstreamError):
    """The connection closed before the response was complete."""


class ProtocolError(UpstreamError):
    """The upstream sent something that is not HTTP/1.1."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; holds the state of the response being read on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.keep_alive = False
        self.idle_since = 0.0
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.head_done = False
        self.complete = False
        self.error: UpstreamError | None = None
        self.got_bytes = False
        self.paused = False
        self.waiter: asyncio.Future[None] | None = None
        self.read_timeout = 0.0
        self.last_read = 0.0
        self.timer: asyncio.TimerHandle | None = None

    def begin(self, read_timeout: float) -> None:
        """Reset for the next exchange and start the read clock."""
        self.status = 0
        self.headers = {}
        self.chunks.clear()
        self.buffered = 0
        self.head_done = self.complete = self.got_bytes = self.keep_alive = False
        self.error = None
        self.read_timeout = read_timeout
        self.last_read = self.loop.time()
        self.timer = self.loop.call_at(self.last_read + read_timeout, self._check_read)

    async def wait(self) -> None:
        waiter = self.loop.create_future()
        self.waiter = waiter
        try:
            await waiter
        finally:
            self.waiter = None

    def abort(self) -> None:
        """Give the connection up mid-exchange: its remaining bytes belong to nobody."""
        self._stop_timer()
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def taken(self) -> None:
        """The response was read to its end by its reader: drop the timer and the resume state."""
        self._stop_timer()
        if self.paused and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    def take_chunk(self) -> bytes:
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.paused and self.buffered < _RESUME_AT and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return chunk

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        self.last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ProtocolError(f"the upstream sent a malformed HTTP response: {exc}"))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_done and not self.complete and self._framed_by_close():
            self.complete = True  # a body without length or chunking ends where the connection does
            self._wake()
        if not self.complete:
            self._fail(Disconnected("the upstream closed the connection before the response was complete"))
        self._stop_timer()

    def _framed_by_close(self) -> bool:
        return "content-length" not in self.headers and "transfer-encoding" not in self.headers

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.head_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _PAUSE_AT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()  # asked now: the parser resets after this
        self.complete = True
        self._stop_timer()
        self._wake()

    # internals

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _check_read(self) -> None:
        """One timer per exchange, re-armed from the last byte's time only when it fires."""
        self.timer = None
        if self.complete or self.closed:
            return
        if self.paused:  # our reader is behind, not the upstream: silence is ours
            self.last_read = self.loop.time()
        due = self.last_read + self.read_timeout
        if self.loop.time() >= due - 0.001:
            self._fail(ReadTimeout(f"the upstream sent nothing for {self.read_timeout:g} s"))
            self.abort()
        else:
            self.timer = self.loop.call_at(due, self._check_read)


class UpstreamResponse:
    """Status and headers at once; the body read whole (``read``) or as it comes (``iter_chunks``)."""

    __slots__ = ("status", "headers", "_pool", "_conn", "_done")

    def __init__(self, pool: ConnectionPool, conn: _Connection) -> None:
        self.status = conn.status
        self.headers: Mapping[str, str] = conn.headers
        self._pool = pool
        self._conn = conn
        self._done = False

    async def read(self) -> bytes:
        conn = self._conn
        try:
            while not conn.complete:
                if conn.error is not None:
                    raise conn.error
                await conn.wait()
        except BaseException:
            self.close()
            raise
        chunks = conn.chunks
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        self._release()
        return body

    async def iter_chunks(self) -> AsyncGenerator[bytes, None]:
        conn = self._conn
        try:
            while True:
                if conn.chunks:
                    yield conn.take_chunk()
                elif conn.complete:
                    break
                elif conn.error is not None:
                    raise conn.error
                else:
                    await conn.wait()
        finally:
            self.close()

    def close(self) -> None:
        """Done with the response: a complete one frees its connection, anything else closes it."""
        if self._done:
            return
        if self._conn.complete and not self._conn.chunks:
            self._release()
        else:
            self._done = True
            self._conn.abort()

    def _release(self) -> None:
        self._done = True
        conn = self._conn
        conn.taken()
        self._pool.put_back(conn)


class ConnectionPool:
    """Keep-alive connections to one origin (scheme, host, port); unbounded, most recent first."""

    def __init__(self, origin: str, keepalive_s: float = 60.0, ssl_context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        self.host = parts.hostname
        secure = parts.scheme == "https"
        self.port = parts.port or (443 if secure else 80)
        default_port = self.port == (443 if secure else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._host_line = f"host: {host if default_port else f'{host}:{self.port}'}\r\n".encode("idna")
        self._ssl = (ssl_context or ssl.create_default_context()) if secure else None
        self.keepalive_s = keepalive_s
        self._idle: list[_Connection] = []
        self.closed = False

    async def request(
        self,
        method: bytes,
        target: bytes,
        head: bytes,
        body: bytes,
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> UpstreamResponse:
        """Send one request; returns once the response's status and headers are in.

        ``head`` is the header block (lines ending in CRLF) without host and content-length,
        which are added here.
        """
        data = b"%s %s HTTP/1.1\r\n%scontent-length: %d\r\n%s\r\n%s" % (
            method,
            target,
            self._host_line,
            len(body),
            head,
            body,
        )
        while True:
            conn = self._take()
            fresh = conn is None
            if conn is None:
                conn = await self._connect(connect_timeout)
            conn.begin(read_timeout)
            assert conn.transport is not None
            conn.transport.write(data)
            try:
                while not conn.head_done:
                    if conn.error is not None:
                        raise conn.error
                    await conn.wait()
            except Disconnected:
                conn.abort()
                if not fresh and not conn.got_bytes:
                    continue  # the keep-alive race: the server had closed it as we reused it
                raise
            except BaseException:
                conn.abort()
                raise
            return UpstreamResponse(self, conn)

    def put_back(self, conn: _Connection) -> None:
        if self.closed or conn.closed or not conn.keep_alive:
            if conn.transport is not None and not conn.closed:
                conn.transport.close()
            return
        conn.idle_since = conn.loop.time()
        self._idle.append(conn)

    def close(self) -> None:
        self.closed = True
        while self._idle:
            conn = self._idle.pop()
            if conn.transport is not None:
                conn.transport.close()

    def _take(self) -> _Connection | None:
        idle = self._idle
        while idle:
            conn = idle.pop()
            if conn.closed:
                continue
            if conn.loop.time() - conn.idle_since > self.keepalive_s:
                assert conn.transport is not None
                conn.transport.close()
                continue
            return conn
        return None

    async def _connect(self, timeout: float) -> _Connection:
        if self.closed:
            raise ConnectError("the connection pool is closed")
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: _Connection(loop),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl is not None else None,
                )
        except TimeoutError:
            raise ConnectTimeout(f"connecting to {self.host}:{self.port} took longer than {timeout:g} s") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            raise ConnectError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return conn
