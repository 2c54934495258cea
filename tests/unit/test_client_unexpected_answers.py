"""The SDK pointed at something that is not a Strata gateway (another service, a proxy's page)
raises its own StrataError saying the answer was unexpected, never a bare KeyError."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gateway.client import Strata
from gateway.client.errors import StrataError


class _OtherService(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = json.dumps({"status": "fine", "items": []}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer  # noqa: N815

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture()
def other_service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_calls_whose_answer_lacks_what_they_read_raise_strata_error(other_service: str) -> None:
    with Strata(other_service, "sk-anything", max_retries=0) as client:
        calls = [
            client.models.list,
            client.admin.deployments.list,
            client.admin.guardrails.list,
            lambda: client.count_tokens("m", [{"role": "user", "content": "hi"}]),
        ]
        for call in calls:
            with pytest.raises(StrataError, match="Unexpected answer"):
                call()
