"""The upstream HTTP/1.1 client: keep-alive reuse, when a connection must not be reused, framing,
timeouts and failures, against a scripted keep-alive server on a loopback socket."""

from __future__ import annotations

import asyncio
import socket
import ssl

import pytest

from providers.transport import ConnectError, ConnectionPool, Disconnected, ProtocolError, ReadTimeout
from tests.support.scripted_http import OK, ScriptedServer, always_ok, post, run
from tests.support.tls import TLSFiles, make_tls


def test_sequential_requests_share_one_connection() -> None:
    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[list[bytes], int]:
        return [await (await post(pool)).read() for _ in range(3)], server.connections

    assert run(always_ok, action) == ([b"{}"] * 3, 1)


def test_request_carries_host_length_and_the_given_headers() -> None:
    async def action(pool: ConnectionPool, server: ScriptedServer) -> bytes:
        await (await post(pool)).read()
        return server.requests[0]

    sent = run(always_ok, action)
    port = sent.split(b"host: 127.0.0.1:")[1].split(b"\r\n")[0]
    assert sent.startswith(b"POST /v1/x HTTP/1.1\r\n")
    assert port.isdigit()
    assert b"content-length: 7\r\n" in sent and b"content-type: application/json\r\n" in sent
    assert sent.endswith(b'\r\n\r\n{"a":1}')


def test_status_and_lower_cased_headers_come_with_the_response() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\ncontent-length: 0\r\n\r\n", False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[int, str | None, bytes]:
        response = await post(pool)
        return response.status, response.headers.get("retry-after"), await response.read()

    assert run(answer, action) == (429, "7", b"")


def test_a_connection_the_server_closes_is_not_reused() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return OK.replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n"), True

    async def action(pool: ConnectionPool, server: ScriptedServer) -> int:
        for _ in range(2):
            assert await (await post(pool)).read() == b"{}"
        return server.connections

    assert run(answer, action) == 2


def test_an_idle_connection_closed_by_the_server_is_replaced_once() -> None:
    """The keep-alive race: the server dropped the idle connection just as it was reused."""

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return (OK, False) if n != 2 else (None, True)  # the second request finds the connection dead

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[list[bytes], int]:
        bodies = [await (await post(pool)).read() for _ in range(2)]
        return bodies, server.connections

    bodies, connections = run(answer, action)
    assert bodies == [b"{}", b"{}"]
    assert connections == 2


def test_a_fresh_connection_closed_without_an_answer_fails() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return None, True

    async def action(pool: ConnectionPool, server: ScriptedServer) -> None:
        await post(pool)

    with pytest.raises(Disconnected):
        run(answer, action)


def test_a_body_framed_by_closing_the_connection_is_read_whole() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end", True

    async def action(pool: ConnectionPool, server: ScriptedServer) -> bytes:
        return await (await post(pool)).read()

    assert run(answer, action) == b"until the end"


def test_a_response_closed_half_read_closes_its_connection() -> None:
    chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n"

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        if n == 1:
            return chunked, False  # never finished
        return OK, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[bytes, bytes, int]:
        response = await post(pool)
        chunks = response.iter_chunks()
        first = await anext(chunks)
        await chunks.aclose()
        second = await (await post(pool)).read()
        return first, second, server.connections

    assert run(answer, action) == (b"first", b"{}", 2)


def test_chunked_bodies_arrive_decoded_piece_by_piece() -> None:
    pieces = [b"data: one\n\n", b"data: two\n\n"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + body, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[bytes, int]:
        received = b"".join([chunk async for chunk in (await post(pool)).iter_chunks()])
        await (await post(pool)).read()
        return received, server.connections

    assert run(answer, action) == (b"".join(pieces), 1)


def test_a_large_stream_read_slowly_arrives_complete_and_in_order() -> None:
    piece = bytes(range(256)) * 256  # 64 KiB; 64 of them pass the pause threshold
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(64)) + b"0\r\n\r\n"

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + body, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> int:
        await asyncio.sleep(0)
        response = await post(pool)
        await asyncio.sleep(0.2)  # let the server fill the buffers while nobody reads
        total = bytearray()
        async for chunk in response.iter_chunks():
            total += chunk
        assert bytes(total) == piece * 64
        return len(total)

    assert run(answer, action) == 64 * len(piece)


def test_a_reader_slower_than_the_read_timeout_is_not_an_upstream_timeout() -> None:
    """Paused for a slow reader, the socket is quiet because of us: the stream must still arrive whole."""
    piece = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(40)) + b"0\r\n\r\n"

    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + body, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> int:
        response = await post(pool, read_timeout=0.2)
        await asyncio.sleep(0.5)  # past the read timeout, with the buffers full and reading paused
        return sum([len(chunk) async for chunk in response.iter_chunks()])

    assert run(answer, action) == 40 * len(piece)


def test_silence_before_the_headers_is_a_read_timeout() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        await asyncio.sleep(3600)
        return OK, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> None:
        await post(pool, read_timeout=0.2)

    with pytest.raises(ReadTimeout):
        run(answer, action)


def test_a_cancelled_request_does_not_leave_its_connection_in_the_pool() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        if n == 1:
            await asyncio.sleep(0.5)
        return OK, False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> tuple[bytes, int]:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await post(pool)
        body = await (await post(pool)).read()  # must not read the late answer to the first request
        return body, server.connections

    assert run(answer, action) == (b"{}", 2)


def test_garbage_instead_of_http_is_a_protocol_error() -> None:
    async def answer(n: int, request: bytes) -> tuple[bytes | None, bool]:
        return b"SSH-2.0-OpenSSH_9.6\r\n\r\n", False

    async def action(pool: ConnectionPool, server: ScriptedServer) -> None:
        await post(pool)

    with pytest.raises(ProtocolError):
        run(answer, action)


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        origin = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def go() -> None:
        await post(ConnectionPool(origin))

    with pytest.raises(ConnectError):
        asyncio.run(go())


def test_only_http_origins_are_accepted() -> None:
    with pytest.raises(ValueError):
        ConnectionPool("ftp://example.com")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


def _server_context(files: TLSFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    return context


def test_https_upstreams_are_verified_against_the_system_trust_store_and_ssl_cert_file(
    tls: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private CA is trusted the standard way (SSL_CERT_FILE); connections are kept alive over TLS."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca))

    async def go() -> tuple[list[bytes], int]:
        async with ScriptedServer(always_ok, _server_context(tls)) as server:
            pool = ConnectionPool(server.origin)
            try:
                return [await (await post(pool)).read() for _ in range(2)], server.connections
            finally:
                pool.close()

    assert asyncio.run(go()) == ([b"{}", b"{}"], 1)


def test_an_https_upstream_with_an_untrusted_certificate_cannot_be_reached(tls: TLSFiles) -> None:
    async def go() -> None:
        async with ScriptedServer(always_ok, _server_context(tls)) as server:
            pool = ConnectionPool(server.origin)  # the test CA is not in the default trust store
            try:
                await post(pool)
            finally:
                pool.close()

    with pytest.raises(ConnectError, match="certificate"):
        asyncio.run(go())
