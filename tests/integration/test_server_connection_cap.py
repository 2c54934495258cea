"""One client address cannot take every connection a gateway process can hold: past the cap,
new connections are answered 429 in OpenAI's shape and closed; the open ones keep working."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.integration.conftest import assert_openai_error, catalog_yaml
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.raw_http import RawConnection

CAP = 3
ECHO = catalog_yaml({"echo": [{"provider": "echo"}]})
LIVE = b"GET /health/live HTTP/1.1\r\nHost: strata\r\n\r\n"


def open_connections(gateway: RunningGateway) -> int:
    assert gateway.server is not None
    return len(gateway.server.server_state.connections)


def wait_for_connections(gateway: RunningGateway, count: int) -> None:
    deadline = time.monotonic() + 2
    while open_connections(gateway) != count and time.monotonic() < deadline:
        time.sleep(0.02)
    assert open_connections(gateway) == count


def assert_refused(conn: RawConnection) -> None:
    response = conn.response()
    error = assert_openai_error(response, 429)
    assert error["code"] == "too_many_connections"
    assert response.headers["connection"] == "close"
    assert conn.closed_within(2.0)


def test_connections_past_the_per_client_cap_get_a_429_while_the_open_ones_keep_working(tmp_path: Path) -> None:
    with gateway_in_thread(ECHO, tmp_path, max_connections_per_client=CAP) as gateway, ExitStack() as stack:
        kept = [stack.enter_context(RawConnection(gateway.base_url)) for _ in range(CAP)]
        for conn in kept:
            conn.send(LIVE)
            assert conn.response().status == 200

        with RawConnection(gateway.base_url) as extra:
            assert_refused(extra)  # answered at once, without having to send anything

        for conn in kept:
            conn.send(LIVE)
            assert conn.response().status == 200


def test_once_a_connection_closes_a_new_one_is_accepted(tmp_path: Path) -> None:
    with gateway_in_thread(ECHO, tmp_path, max_connections_per_client=CAP) as gateway, ExitStack() as stack:
        kept = [stack.enter_context(RawConnection(gateway.base_url)) for _ in range(CAP)]
        wait_for_connections(gateway, CAP)
        with RawConnection(gateway.base_url) as extra:
            assert_refused(extra)

        kept[0].close()
        wait_for_connections(gateway, CAP - 1)
        with RawConnection(gateway.base_url) as replacement:
            replacement.send(LIVE)
            assert replacement.response().status == 200


def test_an_http_client_on_a_refused_connection_reads_the_429(tmp_path: Path) -> None:
    with gateway_in_thread(ECHO, tmp_path, max_connections_per_client=CAP) as gateway, ExitStack() as stack:
        for _ in range(CAP):
            stack.enter_context(RawConnection(gateway.base_url))
        wait_for_connections(gateway, CAP)
        response = httpx.post(
            f"{gateway.openai_base}/chat/completions",
            headers=gateway.headers(),
            json={"model": "echo", "messages": [{"role": "user", "content": "hello"}]},
        )

    error = assert_openai_error(response, 429)
    assert error["type"] == "rate_limit_error"
    assert "3" in error["message"]
    assert response.headers["retry-after"]
