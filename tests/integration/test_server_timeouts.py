"""Slow and idle clients cannot hold a connection forever: the request head, the body and the
wait between kept-alive requests each have a deadline, and a request whose body stops
arriving is answered 408 in the caller's shape before anything is sent upstream."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import cast

import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionChunk

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, USER, assert_openai_error, standard_catalog
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.raw_http import RawConnection, RawResponse

HEADER_S, BODY_S, IDLE_S = 0.5, 0.8, 0.8
SLACK_S = 1.5  # scheduling on a loaded machine; each deadline is still checked from below
CHAT = orjson.dumps({"model": "gpt-test", "messages": USER})


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder = tmp_path_factory.mktemp("gateway")
    timeouts = {"header_timeout_s": HEADER_S, "body_timeout_s": BODY_S, "idle_timeout_s": IDLE_S}
    with gateway_in_thread(standard_catalog(upstream_server.url), folder, environ=ENVIRON, **timeouts) as running:
        yield running


def post_head(path: str, length: int, key: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: strata\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def assert_closed_after(conn: RawConnection, started: float, deadline_s: float) -> None:
    assert conn.closed_within(deadline_s + SLACK_S), "the server kept the connection open"
    assert time.monotonic() - started >= deadline_s * 0.8, "closed before its deadline"


def wait_for_no_tasks(gateway: RunningGateway) -> int:
    assert gateway.server is not None
    deadline = time.monotonic() + 2
    while gateway.server.server_state.tasks and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(gateway.server.server_state.tasks)


def assert_request_timeout(response: RawResponse) -> dict[str, object]:
    assert response.headers["connection"] == "close"
    error = assert_openai_error(response, 408)
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "request_timeout"
    return error


def test_a_connection_that_never_sends_a_request_is_closed_after_the_header_timeout(gateway: RunningGateway) -> None:
    started = time.monotonic()
    with RawConnection(gateway.base_url) as conn:
        assert_closed_after(conn, started, HEADER_S)


def test_a_request_head_sent_a_byte_at_a_time_gets_a_408_within_the_header_timeout(gateway: RunningGateway) -> None:
    head = post_head("/v1/chat/completions", len(CHAT), gateway.master_key)
    started = time.monotonic()
    with RawConnection(gateway.base_url) as conn:
        answered = conn.trickle(head[:-4], gap_s=0.05, stop_after_s=HEADER_S + SLACK_S)
        assert answered, "a slow-loris head was still being read after the header timeout"
        assert_request_timeout(conn.response())
        assert_closed_after(conn, started, HEADER_S)


def test_a_body_that_stops_arriving_gets_a_408_and_nothing_is_sent_upstream(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    started = time.monotonic()
    with RawConnection(gateway.base_url) as conn:
        conn.send(post_head("/v1/chat/completions", len(CHAT), gateway.master_key) + CHAT[:10])
        answered = conn.trickle(CHAT[10:], gap_s=BODY_S + 0.5, stop_after_s=BODY_S + SLACK_S)
        assert answered, "a stalled body was still being waited for after the body timeout"
        response = conn.response()
        assert_request_timeout(response)
        assert_closed_after(conn, started, BODY_S)

    assert wait_for_no_tasks(gateway) == 0, "the request's task outlived its connection"
    assert upstream.requests() == []


def test_a_body_trickling_in_steadily_must_still_arrive_whole_within_the_body_timeout(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    # Each byte comes well within the body timeout; the whole body would take seconds: 408 at the deadline.
    started = time.monotonic()
    with RawConnection(gateway.base_url) as conn:
        conn.send(post_head("/v1/chat/completions", len(CHAT), gateway.master_key))
        answered = conn.trickle(CHAT, gap_s=BODY_S / 4, stop_after_s=BODY_S + SLACK_S)
        assert answered, "a trickled body was still being read after the body timeout"
        assert_request_timeout(conn.response())
        assert time.monotonic() - started >= BODY_S * 0.8
    assert upstream.requests() == []


def test_a_stalled_bedrock_body_gets_a_408_in_bedrock_shape(gateway: RunningGateway) -> None:
    body = orjson.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    with RawConnection(gateway.base_url) as conn:
        conn.send(post_head("/model/gpt-test/converse", len(body), gateway.master_key) + body[:5])
        assert conn.trickle(body[5:], gap_s=BODY_S + 0.5, stop_after_s=BODY_S + SLACK_S)
        response = conn.response()

    assert response.status == 408
    assert response.headers["x-amzn-errortype"] == "ValidationException"
    assert response.headers["content-type"].startswith("application/json")
    assert set(response.json()) == {"message"}


def test_an_idle_kept_alive_connection_is_closed_after_the_idle_timeout(gateway: RunningGateway) -> None:
    live = b"GET /health/live HTTP/1.1\r\nHost: strata\r\n\r\n"
    with RawConnection(gateway.base_url) as conn:
        conn.send(live)
        assert conn.response().status == 200
        time.sleep(IDLE_S / 2)
        conn.send(live)  # within the idle timeout the connection is reused
        assert conn.response().status == 200
        started = time.monotonic()
        assert_closed_after(conn, started, IDLE_S)


def test_a_stream_longer_than_every_timeout_arrives_whole(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    upstream.set_behaviour("fake-model", content="one two three four five six seven eight", chunk_delay_ms=200)
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=10)
    started = time.monotonic()
    with client:
        stream = client.chat.completions.create(model="gpt-test", messages=USER, stream=True)  # type: ignore[arg-type]
        text = "".join(
            c.choices[0].delta.content or "" for c in cast(Iterable[ChatCompletionChunk], stream) if c.choices
        )

    assert text == "one two three four five six seven eight"
    assert time.monotonic() - started > max(HEADER_S, BODY_S, IDLE_S) * 2


def test_a_slow_upstream_answer_is_not_cut_by_the_idle_timeout(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    upstream.set_behaviour("fake-model", latency_ms=1500)
    client = openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0, timeout=10)
    with client:
        reply = client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    assert reply.choices[0].message.content
