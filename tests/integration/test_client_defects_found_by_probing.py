"""What a QA prober found wrong in Strata's Python SDK, each as a user sees it: a model call sent
twice after the gateway dropped the connection, a stream outliving its deadline after a retry, a
garbled stream event escaping the StrataError tree, a key no HTTP header can carry crashing the
constructor, and a given ``http_client`` that ignored ``base_url`` and ``api_key``.

The misbehaving servers are tiny real socket servers (one thread per connection), so the client
runs over real HTTP exactly as against a gateway that fails that way."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from gateway.client import APIConnectionError, AsyncStrata, Strata, StrataError
from gateway.client import TimeoutError as StrataTimeout
from gateway.translate.eventstream import encode_headers, event, frame
from tests.support.gateway import MASTER_KEY, gateway_in_thread

USER = [{"role": "user", "content": "charge me once"}]
CATALOG = "models:\n  echo:\n    deployments:\n      - provider: echo\n"


def read_request(conn: socket.socket) -> bytes:
    """The request line once the whole request (headers and body) has arrived."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    while lengths and len(body) < int(lengths[0]):
        body += conn.recv(65536)
    return head.split(b"\r\n")[0]


@contextmanager
def socket_server(handle: Callable[[socket.socket, int], None]) -> Iterator[tuple[str, list[bytes]]]:
    """A server calling ``handle(conn, n)`` for its n-th request (from 0); yields its URL and the
    request lines it received."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    received: list[bytes] = []
    lock = threading.Lock()

    def one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                line = read_request(conn)
                with lock:
                    received.append(line)
                    n = len(received) - 1
                handle(conn, n)
            except OSError:
                pass

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        server.close()


def drop(conn: socket.socket, n: int) -> None:
    """Read the whole request, answer nothing, close the connection."""


def answer(status: str, body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


BUSY = answer("503 Busy", b'{"error":{"message":"busy","type":"service_unavailable"}}', extra="retry-after: 1\r\n")


# ---------------------------------------------------------------- a dropped connection is not retried


def test_a_model_call_the_gateway_received_is_not_sent_again_when_it_drops_the_connection() -> None:
    with socket_server(drop) as (base, received), Strata(base, "sk-x", max_retries=2, timeout=10) as strata:
        with pytest.raises(APIConnectionError) as raised:
            strata.chat("m", USER)
    assert len(received) == 1, received
    assert "Cannot reach" not in str(raised.value)
    assert "may have reached" in str(raised.value)


def test_a_key_create_the_gateway_received_does_not_make_two_keys_when_it_drops_the_connection() -> None:
    with socket_server(drop) as (base, received), Strata(base, "sk-x", max_retries=2, timeout=10) as strata:
        with pytest.raises(APIConnectionError):
            strata.admin.keys.create(name="once")
    assert received == [b"POST /admin/keys HTTP/1.1"]


def test_the_async_client_does_not_send_a_dropped_model_call_again() -> None:
    async def call(base: str) -> None:
        async with AsyncStrata(base, "sk-x", max_retries=2, timeout=10) as strata:
            await strata.chat("m", USER)

    with socket_server(drop) as (base, received):
        with pytest.raises(APIConnectionError, match="may have reached"):
            asyncio.run(call(base))
    assert len(received) == 1


def test_a_refused_connection_is_still_retried_and_says_the_gateway_cannot_be_reached() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nobody listens: every connection is refused
    started = time.monotonic()
    with Strata(f"http://127.0.0.1:{port}", "sk-x", max_retries=1, timeout=10) as strata:
        with pytest.raises(APIConnectionError, match="Cannot reach the gateway"):
            strata.chat("m", USER)
    assert time.monotonic() - started >= 0.3  # one backoff wait: it was tried again


# ---------------------------------------------------------------- a stream's deadline after a retry


def busy_then_silent(conn: socket.socket, n: int) -> None:
    if n == 0:
        conn.sendall(BUSY)
    else:
        time.sleep(6)  # never answers in time


def test_a_stream_retried_after_a_503_still_fails_by_its_deadline() -> None:
    with socket_server(busy_then_silent) as (base, _), Strata(base, "k", max_retries=2, timeout=2) as strata:
        started = time.monotonic()
        with pytest.raises(StrataTimeout):
            list(strata.chat_stream("m", USER))
    assert time.monotonic() - started < 2.6


def busy_then_slow_chunks(conn: socket.socket, n: int) -> None:
    if n == 0:
        conn.sendall(BUSY)
        return
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
    for word in ("one", "two", "three", "[DONE]"):
        data = f'{{"id":"c","model":"m","choices":[{{"index":0,"delta":{{"content":"{word} "}}}}]}}'
        line = f"data: {'[DONE]' if word == '[DONE]' else data}\n\n".encode()
        conn.sendall(f"{len(line):x}\r\n".encode() + line + b"\r\n")
        time.sleep(0.8)  # longer than what was left of the deadline, shorter than the timeout
    conn.sendall(b"0\r\n\r\n")


def test_a_stream_started_after_a_retry_may_still_take_the_timeout_between_chunks() -> None:
    with socket_server(busy_then_slow_chunks) as (base, _), Strata(base, "k", max_retries=2, timeout=1.5) as strata:
        text = "".join(chunk.text for chunk in strata.chat_stream("m", USER))
    assert text == "one two three "


# ---------------------------------------------------------------- a garbled stream event


def sse(body: bytes) -> Callable[[socket.socket, int], None]:
    return lambda conn, n: conn.sendall(answer("200 OK", body, "text/event-stream"))


GARBLED = {
    "not-json": b"data: {not json}\n\ndata: [DONE]\n\n",
    "no-id-or-model": b'data: {"foo": 1}\n\ndata: [DONE]\n\n',
    "a-list": b"data: [1, 2]\n\ndata: [DONE]\n\n",
}


@pytest.mark.parametrize("body", GARBLED.values(), ids=GARBLED.keys())
def test_a_garbled_chat_stream_event_raises_strata_error(body: bytes) -> None:
    with socket_server(sse(body)) as (base, _), Strata(base, "k", max_retries=0, timeout=5) as strata:
        with pytest.raises(StrataError, match="Unexpected event"):
            list(strata.chat_stream("m", USER))


@pytest.mark.parametrize("body", GARBLED.values(), ids=GARBLED.keys())
def test_a_garbled_chat_stream_event_raises_strata_error_in_the_async_client(body: bytes) -> None:
    async def read(base: str) -> None:
        async with AsyncStrata(base, "k", max_retries=0, timeout=5) as strata:
            async for _ in await strata.chat_stream("m", USER):
                pass

    with socket_server(sse(body)) as (base, _):
        with pytest.raises(StrataError, match="Unexpected event"):
            asyncio.run(read(base))


EVENT_HEADERS = encode_headers(((":event-type", "contentBlockDelta"), (":message-type", "event")))
GARBLED_FRAMES = {
    "not-json": frame(EVENT_HEADERS, b"{not json"),
    "a-list": frame(EVENT_HEADERS, b"[1, 2]"),
    "wrong-field-types": event("messageStop", {"stopReason": {"not": "a string"}}),
}


@pytest.mark.parametrize("body", GARBLED_FRAMES.values(), ids=GARBLED_FRAMES.keys())
def test_a_garbled_converse_stream_frame_raises_strata_error(body: bytes) -> None:
    kind = "application/vnd.amazon.eventstream"
    with socket_server(lambda c, n: c.sendall(answer("200 OK", body, kind))) as (base, _):
        with Strata(base, "k", max_retries=0, timeout=5) as strata, pytest.raises(StrataError, match="Unexpected"):
            list(strata.converse_stream("m", USER))


# ---------------------------------------------------------------- keys no header can carry


@pytest.mark.parametrize("key", ["sk-\u201cquoted\u201d", "sk-x\r\nx-evil: 1", "sk-x\n", "sk-caf\u00e9"])
def test_an_api_key_no_http_header_can_carry_is_a_strata_error_when_the_client_is_made(key: str) -> None:
    for make in (Strata, AsyncStrata):
        with pytest.raises(StrataError, match="API key"):
            make("http://127.0.0.1:1", key)


def test_a_default_header_no_http_header_can_carry_is_a_strata_error() -> None:
    with pytest.raises(StrataError, match="x-team"):
        Strata("http://127.0.0.1:1", "sk-x", default_headers={"x-team": "\u00e9quipe"})


# ---------------------------------------------------------------- a given http_client


def test_a_given_http_client_calls_the_base_url_with_the_key(tmp_path: Path) -> None:
    with gateway_in_thread(CATALOG, tmp_path) as gateway:
        own = httpx.Client(timeout=5, headers={"x-mine": "kept"})
        with Strata(gateway.base_url, MASTER_KEY, max_retries=0, http_client=own) as strata:
            assert strata.chat("echo", [{"role": "user", "content": "hi"}]).text
            assert "echo" in {m.id for m in strata.models.list()}
        with Strata(gateway.base_url, "sk-wrong", max_retries=0, http_client=httpx.Client()) as strata:
            with pytest.raises(StrataError) as refused:
                strata.models.list()
        assert refused.value.status == 401


def test_a_given_async_http_client_calls_the_base_url_with_the_key(tmp_path: Path) -> None:
    async def call(base: str) -> str:
        async with AsyncStrata(base, MASTER_KEY, max_retries=0, http_client=httpx.AsyncClient()) as strata:
            return (await strata.chat("echo", [{"role": "user", "content": "hi"}])).text

    with gateway_in_thread(CATALOG, tmp_path) as gateway:
        assert asyncio.run(call(gateway.base_url))
