"""A lean HTTP/1.1 load generator: asyncio protocols on uvloop, one keep-alive connection per worker.

It costs a few microseconds of CPU per request (no httpx, no aiohttp), so the server under test
stays the bottleneck. The request bytes are built once; responses are parsed just enough to
frame them (Content-Length or chunked) and read their status.

    result = await run_load("http://127.0.0.1:8000/v1/chat/completions", body, headers, concurrency=50,
                            duration_s=10)
    print(result)

Every worker opens its connection and sends one unmeasured warm-up request before the clock starts.
Latency is measured from writing the request to the end of the response; with `stream=True` the time
to the first body chunk (the first SSE event) is measured too, also from writing the request.

Manual use: `python bench/loadgen.py URL --body '{"model": ...}' -c 50 -d 10 [--stream]`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlsplit

import uvloop

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)")
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r]*chunked")
_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close")
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILER, _UNTIL_CLOSE = range(6)


@dataclass(slots=True)
class LoadResult:
    """Measured outcome of `run_load`; latencies in milliseconds, None when nothing was measured."""

    requests: int
    errors: int
    elapsed_s: float
    requests_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    ttfb_p50_ms: float | None = None
    ttfb_p99_ms: float | None = None
    statuses: dict[int, int] = field(default_factory=dict)

    def __str__(self) -> str:
        line = (
            f"{self.requests} requests in {self.elapsed_s:.2f}s = {self.requests_per_s:,.0f} req/s, "
            f"{self.errors} errors, p50 {_ms(self.p50_ms)}, p99 {_ms(self.p99_ms)}"
        )
        if self.ttfb_p50_ms is not None:
            line += f", first chunk p50 {_ms(self.ttfb_p50_ms)} p99 {_ms(self.ttfb_p99_ms)}"
        return line


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}ms"


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; `request()` writes bytes and awaits the response."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.state = _HEAD
        self.remaining = 0
        self.status = 0
        self.keep_alive = True
        self.sent_at = 0.0
        self.first_body_at = 0.0
        self.waiter: asyncio.Future[int] | None = None
        self.closed = False
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport subclasses

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.lost.done():
            self.lost.set_result(None)
        if self.state == _UNTIL_CLOSE:
            self._finish()
        elif self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed mid-response"))

    def request(self, data: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.state, self.first_body_at = _HEAD, 0.0
        self.sent_at = time.perf_counter()
        self.transport.write(data)
        return self.waiter

    def expire(self, now: float, timeout_s: float) -> None:
        """Fail the pending request if it has waited longer than `timeout_s` (checked by a watchdog)."""
        if self.waiter is not None and not self.waiter.done() and now - self.sent_at > timeout_s:
            self.waiter.set_exception(TimeoutError(f"no complete response in {timeout_s}s"))
            self.close()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        try:
            self._parse()
        except (ValueError, IndexError) as exc:
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_exception(ConnectionError(f"bad response: {exc}"))
            self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def aclose(self) -> None:
        """Close and wait until the transport is gone (so no transport outlives its event loop)."""
        self.close()
        if self.transport is not None:
            await self.lost

    def _body_bytes(self) -> None:
        if not self.first_body_at:
            self.first_body_at = time.perf_counter()

    def _parse(self) -> None:
        buf = self.buffer
        while buf:
            state = self.state
            if state == _HEAD:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                self._head(bytes(buf[:end]))
                del buf[: end + 4]
                if self.state == _LENGTH and self.remaining == 0:
                    self._finish()
            elif state == _LENGTH or state == _CHUNK_DATA:
                self._body_bytes()
                take = min(len(buf), self.remaining)
                del buf[:take]
                self.remaining -= take
                if self.remaining:
                    return
                if state == _LENGTH:
                    self._finish()
                else:
                    self.state = _CHUNK_SIZE
            elif state == _CHUNK_SIZE:
                end = buf.find(b"\r\n")
                if end < 0:
                    return
                size = int(bytes(buf[:end]).split(b";", 1)[0], 16)
                del buf[: end + 2]
                self.state, self.remaining = (_TRAILER, 0) if size == 0 else (_CHUNK_DATA, size + 2)
            elif state == _TRAILER:
                end = buf.find(b"\r\n")
                if end < 0:
                    return
                del buf[: end + 2]
                if end == 0:
                    self._finish()
            else:  # _UNTIL_CLOSE, or bytes after a finished response
                self._body_bytes()
                buf.clear()

    def _head(self, head: bytes) -> None:
        self.status = int(head[9:12])
        head = head.lower()
        found = _CONTENT_LENGTH.search(head)
        length = int(found.group(1)) if found else -1
        self.keep_alive = not (head.startswith(b"http/1.0") or _CLOSE.search(head))
        if _CHUNKED.search(head):
            self.state = _CHUNK_SIZE
        elif length >= 0 or self.status in (204, 304) or 100 <= self.status < 200:
            self.state, self.remaining = _LENGTH, max(length, 0)
        else:
            self.state, self.keep_alive = _UNTIL_CLOSE, False

    def _finish(self) -> None:
        self.state = _HEAD
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.status)


@dataclass(slots=True)
class _Shared:
    """Counters and samples shared by the workers of one run."""

    deadline: float | None
    budget: int | None
    stream: bool
    timeout_s: float
    started: asyncio.Event
    connections: set[_Connection] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    ttfbs: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    done: int = 0
    last_end: float = 0.0
    next_data: Callable[[], bytes] | None = None  # each request's bytes, when they vary

    def take(self) -> bool:
        if self.deadline is not None and time.perf_counter() >= self.deadline:
            return False
        if self.budget is not None:
            if self.budget <= 0:
                return False
            self.budget -= 1
        return True


def _build_request(url: str, body: bytes, headers: dict[str, str], method: str | None) -> tuple[str, int, bytes]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http:// URLs are supported, not {url!r}")
    port = parts.port or 80
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    method = method or ("POST" if body else "GET")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}"]
    given = {k.lower() for k in headers}
    if body and "content-type" not in given:
        lines.append("Content-Type: application/json")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    lines.extend(f"{k}: {v}" for k, v in headers.items())
    return parts.hostname, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _connect(host: str, port: int, shared: _Shared) -> _Connection:
    loop = asyncio.get_running_loop()
    _, conn = await loop.create_connection(_Connection, host, port)
    shared.connections.add(conn)
    return conn


async def _drop(conn: _Connection | None, shared: _Shared) -> None:
    if conn is not None:
        shared.connections.discard(conn)
        await conn.aclose()


async def _worker(host: str, port: int, data: bytes, shared: _Shared, ready: list[int]) -> None:
    conn: _Connection | None = None
    try:
        conn = await _connect(host, port, shared)
        await conn.request(data)  # warm-up, not measured
    except OSError:
        await _drop(conn, shared)
        conn = None
    ready[0] -= 1
    await shared.started.wait()
    while shared.take():
        try:
            if conn is None or conn.closed:
                await _drop(conn, shared)
                conn = await _connect(host, port, shared)
            status = await conn.request(data if shared.next_data is None else shared.next_data())
        except OSError:  # includes ConnectionError and TimeoutError
            shared.last_end = time.perf_counter()
            shared.done += 1
            shared.errors += 1
            await _drop(conn, shared)
            conn = None
            await asyncio.sleep(0.01)  # do not spin against a dead server
            continue
        shared.last_end = end = time.perf_counter()
        shared.done += 1
        shared.statuses[status] = shared.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            shared.latencies.append(end - conn.sent_at)
            if shared.stream:
                shared.ttfbs.append((conn.first_body_at or end) - conn.sent_at)
        else:
            shared.errors += 1
        if not conn.keep_alive:
            await _drop(conn, shared)
            conn = None
    await _drop(conn, shared)


async def _watchdog(shared: _Shared) -> None:
    while True:
        await asyncio.sleep(min(1.0, shared.timeout_s / 4))
        now = time.perf_counter()
        for conn in list(shared.connections):
            conn.expire(now, shared.timeout_s)


def _percentile(samples: list[float], q: float) -> float | None:
    if not samples:
        return None
    return samples[min(len(samples) - 1, int(q * len(samples)))] * 1000


async def run_load(
    url: str,
    body: bytes,
    headers: dict[str, str],
    concurrency: int,
    duration_s: float | None = None,
    requests: int | None = None,
    stream: bool = False,
    *,
    method: str | None = None,
    timeout_s: float = 30.0,
    vary: Callable[[int], bytes] | None = None,
) -> LoadResult:
    """Drive `url` with `concurrency` keep-alive connections for `duration_s` seconds or `requests` requests.

    `errors` counts non-2xx responses and connection failures; both count in `requests` too.
    `vary`, when given, makes the n-th request's body (`body` is then the warm-up's): for servers
    that could otherwise answer a repeated body from what they kept.
    """
    if (duration_s is None) == (requests is None):
        raise ValueError("give exactly one of duration_s and requests")
    host, port, data = _build_request(url, body, headers, method)
    shared = _Shared(None, requests, stream, timeout_s, asyncio.Event())
    if vary is not None:
        counter = itertools.count()
        shared.next_data = lambda: _build_request(url, vary(next(counter)), headers, method)[2]
    ready = [concurrency]
    watchdog = asyncio.ensure_future(_watchdog(shared))
    tasks = [asyncio.ensure_future(_worker(host, port, data, shared, ready)) for _ in range(concurrency)]
    try:
        while ready[0] > 0 and not any(t.done() for t in tasks):
            await asyncio.sleep(0.005)
        start = time.perf_counter()
        if duration_s is not None:
            shared.deadline = start + duration_s
        shared.started.set()
        await asyncio.gather(*tasks)
    finally:
        watchdog.cancel()
    elapsed = max((shared.last_end or start) - start, 1e-9)
    latencies, ttfbs = sorted(shared.latencies), sorted(shared.ttfbs)
    return LoadResult(
        requests=shared.done,
        errors=shared.errors,
        elapsed_s=elapsed,
        requests_per_s=shared.done / elapsed,
        p50_ms=_percentile(latencies, 0.5),
        p99_ms=_percentile(latencies, 0.99),
        ttfb_p50_ms=_percentile(ttfbs, 0.5) if stream else None,
        ttfb_p99_ms=_percentile(ttfbs, 0.99) if stream else None,
        statuses=shared.statuses,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="HTTP/1.1 keep-alive load generator")
    parser.add_argument("url")
    parser.add_argument("--body", default="", help="request body (JSON text); POST when given")
    parser.add_argument("-H", "--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("-c", "--concurrency", type=int, default=50)
    parser.add_argument("-d", "--duration", type=float, default=None)
    parser.add_argument("-n", "--requests", type=int, default=None)
    parser.add_argument("--stream", action="store_true", help="also measure time to the first body chunk")
    args = parser.parse_args(argv)
    headers = dict((h.split(":", 1)[0].strip(), h.split(":", 1)[1].strip()) for h in args.header)
    if args.body:
        json.loads(args.body)  # fail early on a typo
    duration = args.duration if args.duration is not None or args.requests is not None else 10.0
    result = uvloop.run(
        run_load(args.url, args.body.encode(), headers, args.concurrency, duration, args.requests, args.stream)
    )
    print(result)


if __name__ == "__main__":
    main()
