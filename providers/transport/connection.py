"""One keep-alive HTTP/1.1 connection: httptools parses the response, one timer bounds the reads."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import cast

import httptools

from providers.transport.errors import Disconnected, ProtocolError, ReadTimeout, ResponseTooLarge, UpstreamError

_PAUSE_AT = 1 << 20  # a stream buffered past this (a slow reader) pauses the socket
_RESUME_AT = 1 << 18


class _Stop(Exception):
    """Raised from a parser callback to stop parsing; the reason is already in ``Connection.error``."""


class Connection(asyncio.Protocol):
    """One connection; holds the state of the response being read on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_body: int) -> None:
        self.loop = loop
        self.max_body = max_body
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.on_gone: Callable[[], None] | None = None  # the pool's: this connection stops counting
        self.keep_alive = False
        self.idle_since = 0.0
        self.status = 0
        self.headers: dict[str, str] = {}
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.received = 0
        self.head_done = False
        self.complete = False
        self.error: UpstreamError | None = None
        self.got_bytes = False
        self.paused = False
        self.draining = False  # the reader takes the whole body: no slow-reader pause
        self.waiter: asyncio.Future[None] | None = None
        self.read_timeout = 0.0
        self.last_read = 0.0
        self.timer: asyncio.TimerHandle | None = None

    def begin(self, read_timeout: float) -> None:
        """Reset for the next exchange and start the read clock."""
        self.status = 0
        self.headers = {}
        self.chunks.clear()
        self.buffered = self.received = 0
        self.head_done = self.complete = self.got_bytes = self.keep_alive = self.draining = False
        self.error = Disconnected("the connection closed before it was used") if self.closed else None
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

    def drain(self) -> None:
        """The reader will hold the whole body anyway (bounded by ``max_body``): read at full speed."""
        self.draining = True
        self._resume()

    def abort(self) -> None:
        """Give the connection up mid-exchange: its remaining bytes belong to nobody."""
        self._stop_timer()
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
        self._gone()

    def close(self) -> None:
        """Close a connection between exchanges (not reusable, expired, or the pool is closing)."""
        if self.transport is not None and not self.closed:
            self.transport.close()
        self.closed = True
        self._gone()

    def taken(self) -> None:
        """The response was read to its end by its reader: drop the timer and the resume state."""
        self._stop_timer()
        self._resume()

    def take_chunk(self) -> bytes:
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self.paused and self.buffered < _RESUME_AT:
            self._resume()
        return chunk

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        self.last_read = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:  # a callback's _Stop too: its reason came first
            self._fail(ProtocolError(f"the upstream sent a malformed HTTP response: {exc}"))
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_done and not self.complete and self.error is None and self._framed_by_close():
            self.complete = True  # a body without length or chunking ends where the connection does
            self._wake()
        if not self.complete:
            self._fail(Disconnected("the upstream closed the connection before the response was complete"))
        self._stop_timer()
        self._gone()

    def _framed_by_close(self) -> bool:
        return "content-length" not in self.headers and "transfer-encoding" not in self.headers

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))

    def on_headers_complete(self) -> None:
        length = self.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            self._too_large(f"the upstream announced a body of {length} bytes")
        self.status = self.parser.get_status_code()
        self.head_done = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.received += len(body)
        if self.received > self.max_body:
            self._too_large(f"the upstream sent a body of more than {self.max_body} bytes")
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _PAUSE_AT and not self.paused and not self.draining and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()  # asked now: the parser resets after this
        self.complete = True
        self._stop_timer()
        self._wake()

    # internals

    def _too_large(self, what: str) -> None:
        message = f"{what}; at most {self.max_body} bytes are accepted (max_response_bytes)"
        self._fail(ResponseTooLarge(message, self.max_body))
        raise _Stop

    def _resume(self) -> None:
        if self.paused and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()

    def _gone(self) -> None:
        """Tell the pool, once, that this connection no longer counts against its cap."""
        gone, self.on_gone = self.on_gone, None
        if gone is not None:
            gone()

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
