"""One huge event from an upstream stream (a 16 MB line, arriving in 64 KB pieces) is relayed
whole, and the gateway keeps answering everyone else meanwhile: decoding it is linear in its size,
not a rescan of everything so far for every piece (7 s of a stalled event loop at 16 MB)."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests.integration.conftest import TIMEOUTS, StartGateway

SIZE = 16 * 2**20
PIECE = 64 * 1024


class _DripHandler(socketserver.BaseRequestHandler):
    """An OpenAI-style stream whose first event is one SIZE-byte line, written PIECE bytes at a time."""

    def handle(self) -> None:
        connection: socket.socket = self.request
        head = b""
        while b"\r\n\r\n" not in head:
            head += connection.recv(65536)
        length = next(
            int(v)
            for k, _, v in (line.partition(b":") for line in head.split(b"\r\n"))
            if k.lower() == b"content-length"
        )
        body = head.split(b"\r\n\r\n", 1)[1]
        while len(body) < length:
            body += connection.recv(65536)
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
        first = {**chunk, "choices": [{"index": 0, "delta": {"content": "x" * SIZE}, "finish_reason": None}]}
        last = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        stream = (
            b"data: " + json.dumps(first).encode() + b"\n\ndata: " + json.dumps(last).encode() + b"\n\ndata: [DONE]\n\n"
        )
        connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
        for start in range(0, len(stream), PIECE):
            connection.sendall(stream[start : start + PIECE])
            time.sleep(0.0005)  # separate reads on the gateway's side


@pytest.fixture()
def drip_upstream() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _DripHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_huge_upstream_event_is_relayed_while_others_are_answered(
    drip_upstream: str, start_gateway: StartGateway
) -> None:
    deployment = {
        "provider": "openai",
        "model": "m",
        "api_base": drip_upstream,
        "api_key": "${FAKE_KEY}",
        "timeouts": dict(TIMEOUTS),
    }
    gateway = start_gateway(yaml.safe_dump({"models": {"gpt": {"deployments": [deployment]}}}))
    received: list[int] = []

    def stream() -> None:
        body = {"model": "gpt", "messages": [{"role": "user", "content": "long"}], "stream": True}
        with httpx.stream(
            "POST", f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers(), timeout=60
        ) as response:
            received.append(sum(len(piece) for piece in response.iter_bytes()))

    worker = threading.Thread(target=stream)
    worker.start()
    slowest = 0.0
    while worker.is_alive():
        started = time.monotonic()
        assert httpx.get(f"{gateway.base_url}/health/live", timeout=60).status_code == 200
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.02)
    worker.join()
    assert received and received[0] > SIZE, "the event reached the caller whole"
    assert slowest < 2.0, f"the gateway stalled for {slowest:.1f} s while decoding one event"
