"""uvicorn's httptools protocol, held to deadlines and a per-address cap, refusing in JSON.

A connection is always in one phase, and each phase waiting on the client has a deadline:
opened (nothing received yet) and head (a request line and headers arriving): the head must be
complete within ``header_timeout_s`` of the connection opening, or of the first byte of a request
on a kept-alive connection; body: complete within ``body_timeout_s`` of the head; waiting (between
requests, nothing being served): closed after ``idle_timeout_s``. While a request is served (a
stream of any length included) the wait is on us, and nothing runs out.

One timer per connection (the watchdog), armed when it opens and re-armed only when it fires:
on the request path a phase change is an attribute write and a clock read, never a timer operation. It never
sleeps longer than the shortest timeout, so a deadline set while it sleeps is still met.
uvicorn's own keep-alive timer (one call_later per response) is replaced by it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httptools
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from gateway.drain import CLOSING_SCOPE_KEY
from gateway.errors import StrataError
from gateway.logs import LOG
from gateway.middleware import CALL_TASK_KEY, CLIENT_GONE_KEY, new_request_id
from gateway.server import answers
from gateway.server.limits import ClientConnections, ConnectionLimits
from gateway.services.context import CallContext

_OPENED, _HEAD, _BODY, _WAITING = range(4)
LINGER_S = 1.0  # after a refusal: how long what the client still sends is read and dropped
SHUTDOWN_FIRST_BYTE_S = 2.0  # at shutdown: how long a connection just opened may take to start its request
_CLOCK_SLACK_S = 0.001  # the loop may run a timer a hair before its time
LINE_KEPT = 8192  # bytes of a head kept for its request line while the parser has not named the URL


class _Refused(Exception):
    """Raised in a parser callback to stop parsing; the parser wraps it, ``_refusal`` says why."""


class StrataHttpProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits,
        clients: ClientConnections,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.clients = clients
        self._reading = _OPENED
        self._since = 0.0  # when the current phase's clock started
        self._head_bytes = 0  # of the head so far, in reads before the current one
        self._read_bytes = 0  # the current read's size
        self._refusal: StrataError | None = None  # raised from a parser callback
        self._line: bytes | None = b""  # the current head as received, None where its start is unknown
        self._begun = 0  # requests begun in the current read
        self._address: str | None = None  # counted against the cap while this is set
        self._watchdog: asyncio.TimerHandle | None = None
        self._lingering = False
        self._closing = False  # the server is shutting down: the request being read is the last

    # --- the connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        now = self._since = self.loop.time()
        address = self.client[0] if self.client else None
        if address is not None and not self.clients.admit(address):
            self._refuse_connection(address)
            return
        self._address = address
        self._watchdog = self.loop.call_at(now + self.limits.tick_s, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        cycle = self.cycle
        super().connection_lost(exc)
        if cycle is not None and not cycle.response_started:
            _abandon(cycle.scope)
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        if self._address is not None:
            self.clients.release(self._address)
            self._address = None

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return
        was_head = self._reading != _BODY
        self._read_bytes = len(data)
        self._keep_line(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(self._refusal or answers.malformed(str(exc)))
            return
        except httptools.HttpParserUpgrade:
            self._no_upgrade()
            return
        if was_head and self._reading == _HEAD:  # the head is still arriving: it may not grow without bound
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._fail(answers.head_too_large(self.limits.max_header_bytes))

    def _keep_line(self, data: bytes) -> None:
        """Keep the head as received, for its request line: the parser names the URL only once it
        has read all of it, so for a URL it refuses (a control character in it) ``self.url`` is
        empty or only its start (what came in earlier reads)."""
        self._begun = 0
        if self._reading in (_OPENED, _WAITING):  # a request starts this read
            self._line = data
        elif self._reading == _HEAD and self._line is not None:
            if len(self._line) < LINE_KEPT:  # a head trickled in bytes costs no more than this much copying
                self._line += data
        else:
            self._line = None

    # --- parser callbacks: the phases

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._begun:  # a second request in one read: where it starts in the read is unknown
            self._line = None
        self._begun += 1
        if self._reading == _WAITING:  # a new request on a kept-alive connection: its head's clock starts
            self._since = self.loop.time()
        self._reading = _HEAD
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        limit = self.limits.max_header_bytes
        if self._head_bytes + self._read_bytes > limit and self._head_size() > limit:  # before any task starts
            self._refusal = answers.head_too_large(limit)
            raise _Refused
        super().on_headers_complete()
        self._line = None  # the URL is known
        if self._closing:  # arrived after the listener closed: the last request, marked for the app
            self.cycle.keep_alive = False
            self.scope[CLOSING_SCOPE_KEY] = True  # type: ignore[literal-required]
        self._reading = _BODY
        self._since = self.loop.time()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading = _WAITING

    def on_response_complete(self) -> None:
        """uvicorn's, without arming its keep-alive timer: the watchdog times the idle wait."""
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
        self._since = self.loop.time()  # idle from now (or a queued head's or body's clock restarts)

    def shutdown(self) -> None:
        """The server is shutting down. uvicorn's closes the connection unless a response is going
        out; a request whose head is already arriving is read and answered instead (the app refuses a
        model call then, gateway/drain.py), and the connection closes after it: an answer, not a reset.
        So is one on a connection opened an instant ago, if it starts within SHUTDOWN_FIRST_BYTE_S."""
        idle = self.cycle is None or self.cycle.response_complete
        if self._reading in (_OPENED, _HEAD) and idle and not self.pipeline and not self._lingering:
            self._closing = True
            if self._reading == _OPENED:
                self.loop.call_later(SHUTDOWN_FIRST_BYTE_S, self._close_if_silent)
            return
        super().shutdown()

    def _close_if_silent(self) -> None:
        if self._reading == _OPENED:
            self.transport.close()

    def _head_size(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    # --- the watchdog

    def _check(self) -> None:
        now = self.loop.time()
        limit = self._limit()
        if limit is not None and now + _CLOCK_SLACK_S >= self._since + limit:
            self._watchdog = None
            self._expire()
            return
        wake = now + self.limits.tick_s
        if limit is not None:
            wake = min(wake, self._since + limit)
        self._watchdog = self.loop.call_at(wake, self._check)

    def _limit(self) -> float | None:
        """How long the current phase may last; None while the wait is on us (a request being
        served, or queued behind another; reading paused until the app takes the body)."""
        if self._reading == _BODY:
            return None if self.pipeline or self.flow.read_paused else self.limits.body_timeout_s
        cycle = self.cycle
        if self.pipeline or (cycle is not None and not cycle.response_complete):
            return None
        return self.limits.idle_timeout_s if self._reading == _WAITING else self.limits.header_timeout_s

    def _expire(self) -> None:
        if self._reading == _HEAD:
            self._fail(answers.head_timeout(self.limits.header_timeout_s))
        elif self._reading == _BODY:
            self._fail(answers.body_timeout(self.limits.body_timeout_s))
        else:  # opened and silent, or idle between requests: nobody waits for an answer
            self.transport.close()

    # --- refusals

    def _fail(self, error: StrataError) -> None:
        """Answer ``error`` and close, unless that would write into another response."""
        cycle = self.cycle
        if self.pipeline or (self._reading == _BODY and cycle.response_started):
            self.transport.close()  # no answer can go out in order: just hang up
        elif self._reading == _BODY:  # the request being read fails; its app is waiting for the body
            self._answer(error, _call_of(cycle.scope))
            cycle.disconnected = True  # the app's receive() now says http.disconnect, its sends go nowhere
            cycle.message_event.set()
        elif cycle is None or cycle.response_complete:
            self._answer(error, self._call_from_url())
        else:  # an earlier request's response is still going out: let it finish, then close
            cycle.keep_alive = False
            self.flow.pause_reading()

    def _call_from_url(self) -> CallContext | None:
        """For a request refused before the app saw it (its head too large, or too slow, or its URL
        malformed): a call on the surface its path belongs to, so that the answer is in that
        surface's error shape."""
        url = (_target(self._line) if self._line else b"") or getattr(self, "url", b"")
        app = self.app
        for _ in range(4):  # under uvicorn's wrappers (proxy headers, message logger)
            table = getattr(app, "routes_table", None)
            if table is not None:
                path = url.split(b"?", 1)[0].decode("latin-1") or "/"
                return CallContext(request_id=new_request_id(), surface=table.match("GET", path).surface)
            app = getattr(app, "app", None)
        return None

    def _refuse_connection(self, address: str) -> None:
        if self.clients.first_refusal(address):
            fields = {"client": address, "limit": self.clients.limit}
            LOG.warning("refusing connections: too many open from one address", extra={"fields": fields})
        self._answer(answers.too_many_connections(address, self.clients.limit), None)

    def _answer(self, error: StrataError, call: CallContext | None) -> None:
        """Write the answer, half-close, and drop what the client still sends until it hangs up (or
        LINGER_S): closing outright with its request unread would reset the connection, and a reset
        can destroy the answer before the client reads it."""
        if error.status != 429:
            fields = {"client": self.client[0] if self.client else None, "status": error.status, "code": error.code}
            LOG.info("request refused by the server: %s", error.message, extra={"fields": fields})
        self.transport.write(answers.response_bytes(error, call, self.server_state.default_headers))
        self._lingering = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self._watchdog = self.loop.call_later(LINGER_S, self.transport.close)
        else:
            self.transport.close()

    def _no_upgrade(self) -> None:
        """The gateway speaks no other protocol: an upgrade request is served as plain HTTP, and
        since what follows it is not HTTP to the parser, the connection closes after the answer."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.keep_alive = False
        else:
            self.transport.close()


def _abandon(scope: Any) -> None:
    """The caller of a model call hung up before its answer began: cancel the call's work (the
    request boundary records it as the caller's leaving, gateway/middleware.py)."""
    task = scope.get(CALL_TASK_KEY)
    if task is not None and not task.done() and not scope.get(CLIENT_GONE_KEY):
        scope[CLIENT_GONE_KEY] = True
        task.cancel()


def _target(line: bytes) -> bytes:
    """The target of the request line at the start of ``line`` (b"" if there is none)."""
    words = line.lstrip(b"\r\n").split(b"\n", 1)[0].split(b" ", 2)
    return words[1] if len(words) > 1 and words[1].startswith(b"/") else b""


def _call_of(scope: Mapping[str, Any]) -> CallContext | None:
    """The call the app's request boundary made of this request (its surface and request id), if it got that far."""
    call: CallContext | None = scope.get("strata.call")
    return call
