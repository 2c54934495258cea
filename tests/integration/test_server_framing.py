"""Requests the HTTP parser refuses (bad framing, a bad method, an oversized head) are answered
in JSON, never uvicorn's plain text: in the error shape of the surface their path belongs to
(Anthropic's, Bedrock's), OpenAI's otherwise; and the connection is closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import assert_openai_error, catalog_yaml
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.raw_http import RawConnection

MAX_HEAD = 4096
ECHO = catalog_yaml({"echo": [{"provider": "echo"}]})
POST = b"POST /v1/chat/completions HTTP/1.1\r\nHost: strata\r\n"
LIVE = b"GET /health/live HTTP/1.1\r\nHost: strata\r\n\r\n"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("gateway")
    with gateway_in_thread(ECHO, folder, max_header_bytes=MAX_HEAD) as running:
        yield running


def refusal(gateway: RunningGateway, request: bytes, status: int) -> dict[str, object]:
    with RawConnection(gateway.base_url) as conn:
        conn.send(request)
        response = conn.response()
        assert response.headers["connection"] == "close"
        assert conn.closed_within(2.0), "the connection stayed open after the refusal"
    return assert_openai_error(response, status)


MALFORMED = {
    "a request line with an unknown method": b"BREW /pot HTTP/1.1\r\nHost: strata\r\n\r\n",
    "a non-numeric Content-Length": POST + b"Content-Length: abc\r\n\r\n",
    "two different Content-Lengths": POST + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "a Content-Length past 64 bits": POST + b"Content-Length: 99999999999999999999999\r\n\r\n",
    "Content-Length beside Transfer-Encoding": POST + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "a bad chunk size": POST + b"Authorization: Bearer sk-test-master-key\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "a header name with a space": b"GET /health/live HTTP/1.1\r\nHo st: strata\r\n\r\n",
    "raw bytes in the path": b"GET /v1/mod\xc3\xa9ls HTTP/1.1\r\nHost: strata\r\n\r\n",
    "a TLS handshake on the plain port": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
}


@pytest.mark.parametrize("request_bytes", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_request_gets_a_json_400_and_the_connection_closes(
    gateway: RunningGateway, request_bytes: bytes
) -> None:
    error = refusal(gateway, request_bytes, 400)

    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_http_request"
    assert error["param"] is None
    assert str(error["message"]).startswith("Invalid HTTP request: ")


def test_a_request_head_past_the_limit_gets_a_json_431(gateway: RunningGateway) -> None:
    error = refusal(gateway, LIVE[:-2] + b"X-Big: " + b"a" * MAX_HEAD + b"\r\n\r\n", 431)

    assert error["code"] == "request_header_fields_too_large"
    assert str(MAX_HEAD) in str(error["message"])


def test_an_oversized_head_on_the_anthropic_and_bedrock_surfaces_gets_their_error_shape(
    gateway: RunningGateway,
) -> None:
    big = b"X-Big: " + b"a" * MAX_HEAD + b"\r\n\r\n"
    with RawConnection(gateway.base_url) as conn:
        conn.send(b"POST /v1/messages HTTP/1.1\r\nHost: strata\r\n" + big)
        anthropic = conn.response()
    assert anthropic.status == 431
    assert anthropic.json()["type"] == "error" and anthropic.json()["error"]["type"] == "invalid_request_error"
    with RawConnection(gateway.base_url) as conn:
        conn.send(b"POST /model/echo/converse HTTP/1.1\r\nHost: strata\r\n" + big)
        bedrock = conn.response()
    assert bedrock.status == 431
    assert "x-amzn-errortype" in bedrock.headers and "message" in bedrock.json()


def test_a_head_that_never_ends_is_refused_once_past_the_limit(gateway: RunningGateway) -> None:
    with RawConnection(gateway.base_url) as conn:
        conn.send(LIVE[:-2])
        for _ in range(8):  # one endless header value, in pieces
            try:
                conn.send(b"X-Endless: " + b"a" * (MAX_HEAD // 2))
            except OSError:
                break
            if conn.closed_within(0.05) or conn.has_data():
                break
        response = conn.response()

    assert_openai_error(response, 431)


def test_garbage_after_a_served_request_gets_a_json_400(gateway: RunningGateway) -> None:
    with RawConnection(gateway.base_url) as conn:
        conn.send(LIVE)
        assert conn.response().status == 200
        conn.send(b"\x00\x01 not http\r\n\r\n")
        response = conn.response()
        assert conn.closed_within(2.0)

    assert_openai_error(response, 400)


def test_an_upgrade_request_is_served_as_plain_http_and_the_connection_then_closes(gateway: RunningGateway) -> None:
    upgrade = LIVE[:-2] + b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
    upgrade += b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    with RawConnection(gateway.base_url) as conn:
        conn.send(upgrade + LIVE)  # what follows an upgrade is not parsed as HTTP: nothing is left hanging
        response = conn.response()
        assert conn.closed_within(2.0)

    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_a_well_formed_request_after_the_limits_work(gateway: RunningGateway) -> None:
    with RawConnection(gateway.base_url) as conn:
        conn.send(LIVE[:-2] + b"X-Fine: " + b"a" * (MAX_HEAD // 2) + b"\r\n\r\n")
        assert conn.response().status == 200
        conn.send(LIVE)
        assert conn.response().status == 200
