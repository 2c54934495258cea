"""Keep-alive connections to one origin, capped and maybe through a proxy: the Transport of the hot path."""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncGenerator, Mapping

from providers.transport.base import Response, Transport
from providers.transport.connection import Connection
from providers.transport.errors import ConnectError, ConnectTimeout, Disconnected, PoolTimeout
from providers.transport.origin import Origin
from providers.transport.proxy import Proxy
from providers.transport.tunnel import open_tunnel

DEFAULT_MAX_CONNECTIONS = 1000
DEFAULT_MAX_RESPONSE_BYTES = 64 << 20


class UpstreamResponse(Response):
    """The pool's response: the body is read from the connection, which goes back to the pool at its end."""

    __slots__ = ("status", "headers", "_pool", "_conn", "_done")

    def __init__(self, pool: ConnectionPool, conn: Connection) -> None:
        self.status = conn.status
        self.headers: Mapping[str, str] = conn.headers
        self._pool = pool
        self._conn = conn
        self._done = False

    async def read(self) -> bytes:
        conn = self._conn
        conn.drain()  # the whole body is wanted: the slow-reader pause would stall it
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


class ConnectionPool(Transport):
    """Keep-alive connections to one origin (scheme, host, port), most recent first.

    At most ``max_connections`` are open at once; a request that finds them all busy waits for
    one (at most its connect timeout, then ``PoolTimeout``; a connection it then opens has a
    connect timeout of its own). A response body larger than
    ``max_response_bytes`` fails with ``ResponseTooLarge``. With ``proxy``, an http:// origin is
    reached through it with absolute-form targets, an https:// one through a CONNECT tunnel.
    """

    def __init__(
        self,
        origin: str,
        keepalive_s: float = 60.0,
        ssl_context: ssl.SSLContext | None = None,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        proxy: Proxy | None = None,
    ) -> None:
        if max_connections < 1 or max_response_bytes < 0:
            raise ValueError("max_connections must be at least 1 and max_response_bytes not negative")
        self.origin = Origin.parse(origin)
        self._ssl = (ssl_context or ssl.create_default_context()) if self.origin.secure else None
        self.proxy = proxy
        forwarded = proxy is not None and self._ssl is None  # plain HTTP through the proxy, not a tunnel
        self._target_prefix = self.origin.absolute() if forwarded else b""
        self._host_line = self.origin.host_line() + (proxy.authorization if proxy is not None and forwarded else b"")
        self.keepalive_s = keepalive_s
        self.max_connections = max_connections
        self.max_response_bytes = max_response_bytes
        self._idle: list[Connection] = []
        self._open = 0  # connections open or being opened, against max_connections
        self._waiters: deque[asyncio.Future[Connection | None]] = deque()
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
        data = b"%s %s%s HTTP/1.1\r\n%scontent-length: %d\r\n%s\r\n%s" % (
            method,
            self._target_prefix,
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
                conn, fresh = await self._checkout(connect_timeout)
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

    def put_back(self, conn: Connection) -> None:
        """A connection after a complete response: to the next waiter, to the idle list, or closed."""
        if self.closed or conn.closed or not conn.keep_alive:
            conn.close()
            return
        if self._waiters:
            waiter = self._next_waiter()
            if waiter is not None:
                waiter.set_result(conn)
                return
        conn.idle_since = conn.loop.time()
        self._idle.append(conn)

    def close(self) -> None:
        self.closed = True
        while self._idle:
            self._idle.pop().close()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectError("the connection pool is closed"))

    def _take(self) -> Connection | None:
        idle = self._idle
        while idle:
            conn = idle.pop()
            if conn.closed:
                continue
            if conn.loop.time() - conn.idle_since > self.keepalive_s:
                conn.close()
                continue
            return conn
        return None

    async def _checkout(self, timeout: float) -> tuple[Connection, bool]:
        """No idle connection: open one (True), or wait for one handed back or for room to open one."""
        if self.closed:
            raise ConnectError("the connection pool is closed")
        if self._open < self.max_connections:
            self._open += 1
        else:
            handed = await self._wait_for_turn(timeout)
            if handed is not None:
                return handed, False
        return await self._connect(timeout), True

    async def _wait_for_turn(self, timeout: float) -> Connection | None:
        """A connection handed back, or None: a slot was freed and is now ours."""
        waiter: asyncio.Future[Connection | None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except BaseException as exc:
            self._pass_on(waiter)
            if isinstance(exc, TimeoutError):
                raise PoolTimeout(
                    f"the pool was full: all {self.max_connections} connections to {self._where()} "
                    f"stayed busy for {timeout:g} s"
                ) from None
            raise

    def _pass_on(self, waiter: asyncio.Future[Connection | None]) -> None:
        """A waiter that gave up may have been handed a connection or a slot just before: pass it on."""
        if not waiter.done():
            waiter.cancel()
        elif not waiter.cancelled() and waiter.exception() is None:
            handed = waiter.result()
            if handed is None:
                self._free_slot()
            else:
                self.put_back(handed)

    def _next_waiter(self) -> asyncio.Future[Connection | None] | None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                return waiter
        return None

    def _free_slot(self) -> None:
        """A connection is gone (or was never opened): its slot goes to the next waiter, if any."""
        waiter = self._next_waiter()
        if waiter is not None:
            waiter.set_result(None)
        else:
            self._open -= 1

    async def _connect(self, timeout: float) -> Connection:
        """A new connection, in a slot already counted as ours."""
        conn = Connection(asyncio.get_running_loop(), self.max_response_bytes)
        try:
            async with asyncio.timeout(timeout):
                await self._dial(conn)
        except TimeoutError:
            self._free_slot()
            raise ConnectTimeout(f"connecting to {self._where()} took longer than {timeout:g} s") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            self._free_slot()
            raise ConnectError(f"cannot connect to {self._where()}: {exc}") from exc
        except BaseException:
            self._free_slot()
            raise
        if conn.closed:
            self._free_slot()  # lost before it could be counted
        else:
            conn.on_gone = self._free_slot
        return conn

    async def _dial(self, conn: Connection) -> None:
        origin, proxy = self.origin, self.proxy
        if proxy is None:
            hostname = origin.host if self._ssl is not None else None
            await conn.loop.create_connection(
                lambda: conn, origin.host, origin.port, ssl=self._ssl, server_hostname=hostname
            )
        elif self._ssl is None:
            await conn.loop.create_connection(lambda: conn, proxy.host, proxy.port)
        else:
            await open_tunnel(proxy, origin, self._ssl, conn)

    def _where(self) -> str:
        proxy = self.proxy
        return self.origin.address + (f" through the proxy {proxy.host}:{proxy.port}" if proxy is not None else "")
