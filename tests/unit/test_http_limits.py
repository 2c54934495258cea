"""The upstream client's limits: bodies of any size up to max_response_bytes, and max_connections per origin."""

from __future__ import annotations

import asyncio

import pytest

from providers import errors as perr
from providers.http import HttpClients, transport_error
from providers.transport import (
    ConnectError,
    ConnectionPool,
    ConnectTimeout,
    Disconnected,
    PoolTimeout,
    ProxyConfig,
    ResponseTooLarge,
)
from tests.support.scripted_http import OK, ScriptedServer, post, run

LARGE = bytes(range(256)) * 10_000  # 2.56 MB: well past the 1 MiB slow-reader pause threshold


def chunked(body: bytes, piece: int = 100_000) -> bytes:
    pieces = [body[i : i + piece] for i in range(0, len(body), piece)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def answer_with(body: bytes, framing: str) -> bytes:
    if framing == "chunked":
        return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunked(body)
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)


# --- bodies of any size -----------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_of_several_megabytes_is_read_whole(framing: str) -> None:
    """Embeddings of thousands of inputs: read() must not wait on the slow-reader pause (it hung to the deadline)."""

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return answer_with(LARGE, framing), False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[bool, bool, int]:
        first = await asyncio.wait_for((await post(pool)).read(), 3)
        second = await asyncio.wait_for((await post(pool)).read(), 3)  # and the connection is reusable after it
        return first == LARGE, second == LARGE, server.connections

    assert run(answer, action) == (True, True, 1)


def test_a_large_body_left_unread_for_a_while_is_still_read_whole() -> None:
    """The socket paused while nobody read; read() resumes it."""

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return answer_with(LARGE, "content-length"), False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> bool:
        response = await post(pool, read_timeout=0.2)
        await asyncio.sleep(0.4)  # past the read timeout, reading paused
        return await asyncio.wait_for(response.read(), 3) == LARGE

    assert run(answer, action)


# --- max_response_bytes -----------------------------------------------------------------------


def test_a_body_announced_larger_than_the_maximum_fails_at_the_head() -> None:
    """The server sends only the head: the client must fail without waiting for (or reading) the body."""

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"HTTP/1.1 200 OK\r\ncontent-length: 2000\r\n\r\n", False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> None:
        await asyncio.wait_for(post(pool), 2)

    with pytest.raises(ResponseTooLarge, match="announced a body of 2000 bytes; at most 1000"):
        run(answer, action, max_response_bytes=1000)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_of_exactly_the_maximum_is_accepted(framing: str) -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return answer_with(LARGE, framing), False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> int:
        return len(await asyncio.wait_for((await post(pool)).read(), 3))

    assert run(answer, action, max_response_bytes=len(LARGE)) == len(LARGE)


def test_a_chunked_body_growing_past_the_maximum_fails_and_closes_its_connection() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return (answer_with(LARGE, "chunked") if n == 1 else OK), False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[bytes, int]:
        with pytest.raises(ResponseTooLarge, match="more than 1000000 bytes"):
            await asyncio.wait_for((await post(pool)).read(), 3)
        return await (await post(pool)).read(), server.connections

    assert run(answer, action, max_response_bytes=1_000_000) == (b"{}", 2)


def test_a_stream_longer_in_total_than_the_maximum_fails() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return answer_with(LARGE, "chunked"), False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> int:
        received = 0
        with pytest.raises(ResponseTooLarge):
            async for chunk in (await post(pool)).iter_chunks():
                received += len(chunk)
        return received

    assert run(answer, action, max_response_bytes=500_000) <= 500_000


def test_too_large_is_named_for_the_caller_and_not_retried() -> None:
    error = transport_error(ResponseTooLarge("the upstream sent a body of more than 1024 bytes", 1024), "gpt-x")
    assert isinstance(error, perr.ProviderUpstreamError)
    assert not error.retryable and error.code == "response_too_large"
    assert "1,024 bytes" in error.message and error.detail is not None and "gpt-x" in error.detail


def test_http_clients_give_their_limits_to_every_pool() -> None:
    clients = HttpClients(max_connections=7, max_response_bytes=123, proxies=ProxyConfig())
    pool = clients.pool_for("https://api.example.com/v1")
    assert isinstance(pool, ConnectionPool)
    assert (pool.max_connections, pool.max_response_bytes) == (7, 123)
    assert clients.pool_for("https://api.example.com:443/other") is pool
    assert HttpClients(proxies=ProxyConfig()).max_response_bytes == 64 << 20


# --- max_connections --------------------------------------------------------------------------


async def slow_ok(n: int, request: bytes) -> tuple[bytes | None, bool]:
    await asyncio.sleep(0.1)
    return OK, False


def test_requests_beyond_the_cap_wait_for_a_connection() -> None:
    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[list[bytes], int, int]:
        async def one() -> bytes:
            return await (await post(pool)).read()

        bodies = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(5))), 5)
        return bodies, server.most_open, server.connections

    assert run(slow_ok, action, max_connections=2) == ([b"{}"] * 5, 2, 2)


def test_connections_the_server_closes_free_their_place_under_the_cap() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        await asyncio.sleep(0.05)
        return OK.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n"), True

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[list[bytes], int, int]:
        async def one() -> bytes:
            return await (await post(pool)).read()

        bodies = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(4))), 5)
        return bodies, server.most_open, server.connections

    assert run(answer, action, max_connections=1) == ([b"{}"] * 4, 1, 4)


def test_failed_exchanges_free_their_place_under_the_cap() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return (None, True) if n <= 2 else (OK, False)  # the first two connections die unanswered

    async def action(pool: ConnectionPool, server: ScriptedServer) -> list[object]:
        async def one() -> bytes:
            return await (await post(pool)).read()

        outcomes = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(3)), return_exceptions=True), 5)
        return [type(o) if isinstance(o, BaseException) else o for o in outcomes]

    assert run(answer, action, max_connections=1) == [Disconnected, Disconnected, b"{}"]


def test_waiting_longer_than_the_connect_timeout_for_a_full_pool_fails_and_leaks_nothing() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        await asyncio.sleep(0.3 if n == 1 else 0)
        return OK, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[bytes, bytes, int]:
        slow = asyncio.ensure_future(post(pool))
        await asyncio.sleep(0.05)
        with pytest.raises(PoolTimeout, match="the pool was full: all 1 connections") as failure:
            await post(pool, connect_timeout=0.05)
        assert isinstance(failure.value, ConnectTimeout)
        waiting = asyncio.ensure_future(post(pool))  # cancelled while it waits: its turn must pass on
        await asyncio.sleep(0.05)
        waiting.cancel()
        first = await (await slow).read()
        after = await asyncio.wait_for((await post(pool, connect_timeout=1)).read(), 2)
        return first, after, server.connections

    assert run(answer, action, max_connections=1) == (b"{}", b"{}", 1)


def test_a_closed_pool_fails_its_waiters() -> None:
    async def action(pool: ConnectionPool, server: ScriptedServer) -> None:
        busy = await post(pool)
        waiting = asyncio.ensure_future(post(pool))
        await asyncio.sleep(0.05)
        pool.close()
        busy.close()
        await waiting

    with pytest.raises(ConnectError, match="the connection pool is closed"):
        run(slow_ok, action, max_connections=1)


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError):
        ConnectionPool("http://example.com", max_connections=0)
