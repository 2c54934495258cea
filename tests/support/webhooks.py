"""A real local webhook receiver for the alert tests: an http.server in a thread that records every
POST and answers scripted statuses, and the signature check the README tells receivers to make."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

SECRET = "whsec-test-alerts"


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        payload: dict[str, Any] = orjson.loads(self.body)
        return payload


@dataclass
class Receiver:
    """A webhook receiver on a free port: records every POST, answers the scripted statuses first."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, delivery: Delivery) -> int:
        with self.lock:
            self.deliveries.append(delivery)
            return self.statuses.pop(0) if self.statuses else 200

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.deliveries) >= count:
                    return list(self.deliveries)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} webhooks within {timeout}s, got {len(self.deliveries)}")

    def settled(self, quiet_s: float = 1.0) -> list[Delivery]:
        """Every delivery, after ``quiet_s`` with none new (several monitor ticks)."""
        time.sleep(quiet_s)
        with self.lock:
            return list(self.deliveries)

    def of(self, scope_id: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.json["scope"]["id"] == scope_id]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    """A Receiver served by http.server in a thread, until the block ends."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["content-length"]))
            status = state.answer(Delivery({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/strata"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def verified(delivery: Delivery, secret: str = SECRET) -> dict[str, Any]:
    """The payload, after checking the signature as the README tells receivers to."""
    parts = dict(item.split("=", 1) for item in delivery.headers["x-strata-signature"].split(","))
    assert abs(time.time() - int(parts["t"])) < 300, parts
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "signature does not match"
    payload = delivery.json
    assert delivery.headers["x-strata-alert-id"] == payload["alert_id"]
    assert delivery.headers["content-type"] == "application/json"
    return payload
