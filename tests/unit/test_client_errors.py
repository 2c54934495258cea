"""The client's exceptions from every error shape the gateway renders, built by the gateway's own
renderers (so a change of wording or shape on the server side fails here), and the retry policy."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import orjson
import pytest
from tenacity import RetryCallState, Retrying

from gateway import errors as server
from gateway.api.bedrock_errors import bedrock_error_response, exception_frame
from gateway.client import errors as client
from gateway.client.eventstream import EventStreamDecoder
from gateway.client.retries import Stop, retryable, wait
from gateway.client.streams import _ChatEvents, _ConverseEvents
from gateway.schemas.limits import Limits
from gateway.services.quotas.base import BUDGET_DAY, BUDGET_MONTH, CONCURRENT, RPM, TPM, Check, Decision, Scope
from gateway.services.quotas.report import refusal


def _openai(error: server.StrataError) -> client.StrataError:
    headers = {name.lower(): value for name, value in server.error_headers(error).items()}
    return client.error_from_response(error.status, headers, orjson.dumps(server.openai_error_body(error)))


def _bedrock(error: server.StrataError) -> client.StrataError:
    response = bedrock_error_response(error, "req-1")
    headers = {name.decode().lower(): value.decode() for name, value in response.raw_headers}
    return client.error_from_response(response.status_code, headers, bytes(response.body))


CASES = [
    (server.InvalidRequest("bad", param="messages"), client.BadRequestError),
    (server.Unprocessable("bad"), client.BadRequestError),
    (server.MethodNotAllowed("no", allow="GET"), client.BadRequestError),
    (server.PayloadTooLarge("big"), client.BadRequestError),
    (server.Conflict("taken"), client.ConflictError),
    (server.ResourceInUse("in use"), client.ConflictError),
    (server.AuthenticationFailed("who?"), client.AuthenticationError),
    (server.PermissionDenied("no"), client.PermissionDeniedError),
    (server.NotFound("none"), client.NotFoundError),
    (server.ModelNotFound("none"), client.NotFoundError),
    (server.RateLimited("slow down", retry_after=3), client.RateLimitError),
    (server.UpstreamError("upstream broke"), client.UpstreamError),
    (server.ServiceUnavailable("nobody home", retry_after=2), client.ServiceUnavailableError),
    (server.GatewayTimeout("too slow"), client.TimeoutError),
    (server.InternalError("oops"), client.InternalServerError),
]


@pytest.mark.parametrize(("error", "expected"), CASES, ids=lambda c: type(c).__name__)
def test_each_server_error_becomes_its_client_class_on_the_openai_surface(
    error: server.StrataError, expected: type[client.StrataError]
) -> None:
    raised = _openai(error)
    assert type(raised) is expected
    assert isinstance(raised, client.StrataError)
    assert raised.status == error.status and raised.message == error.message and raised.param == error.param
    assert raised.retry_after == (None if error.retry_after is None else float(error.retry_after))


@pytest.mark.parametrize(("error", "expected"), CASES, ids=lambda c: type(c).__name__)
def test_each_server_error_becomes_its_client_class_on_the_bedrock_surface(
    error: server.StrataError, expected: type[client.StrataError]
) -> None:
    raised = _bedrock(error)
    assert type(raised) is expected, (raised.status, raised.type)
    assert raised.message == error.message
    assert raised.request_id == "req-1"
    assert raised.code == raised.type == raised.headers["x-amzn-errortype"].split(":")[0]  # boto3's Error.Code


def test_a_missing_bedrock_key_is_an_authentication_error_though_its_status_is_403() -> None:
    raised = _bedrock(server.AuthenticationFailed("no key", code="missing_api_key"))
    assert raised.status == 403 and isinstance(raised, client.AuthenticationError)


def test_a_guardrail_refusal_is_guardrail_intervened() -> None:
    refused = server.ContentPolicyViolation("No foo.", code="guardrail_intervened")
    raised = _openai(refused)
    assert isinstance(raised, client.GuardrailIntervened) and raised.status == 400 and str(raised) == "No foo."


def test_the_client_timeout_is_also_the_builtin_timeout() -> None:
    assert isinstance(client.TimeoutError("late"), TimeoutError)


def test_an_answer_that_is_not_json_still_gives_a_message() -> None:
    raised = client.error_from_response(502, {}, b"<html>Bad gateway</html>")
    assert isinstance(raised, client.UpstreamError) and "Bad gateway" in raised.message
    assert str(client.error_from_response(418, {}, b"")) == "HTTP 418"


def test_retry_after_is_read_in_seconds_or_as_a_date() -> None:
    assert client.parse_retry_after("7") == 7.0
    assert client.parse_retry_after("1.5") == 1.5
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 < (client.parse_retry_after(later) or 0) <= 30
    assert client.parse_retry_after("soon") is None and client.parse_retry_after(None) is None


def _check(kind: Any, limit: int, label: str = "key k1") -> Check:
    return Check(Scope("key:k1", label, Limits()), kind, "w", limit, 5, 60, time.time() + 30)


@pytest.mark.parametrize(
    ("kind", "limit", "value", "label"),
    [
        (RPM, 10, 10.0, "key k1"),
        (TPM, 5000, 5000.0, "model llama3:8b"),
        (CONCURRENT, 2, 2.0, "team t1"),
        (BUDGET_DAY, 2_500_000, 2.5, "key k1 on model gpt-x"),
        (BUDGET_MONTH, 100_000_000, 100.0, "team t1"),
    ],
)
def test_a_429_names_the_limit_the_gateway_says_was_hit(kind: Any, limit: int, value: float, label: str) -> None:
    check = _check(kind, limit, label)
    error = refusal((check,), Decision(0, (limit,)), time.time())  # the gateway's own wording
    raised = _openai(error)
    assert isinstance(raised, client.RateLimitError)
    assert raised.limit == client.RateLimit(kind, label, value)
    assert raised.retry_after is not None and raised.retry_after >= 1


def test_a_provider_429_is_named_upstream() -> None:
    raised = _openai(server.RateLimited("Upstream says: too many requests", retry_after=1))
    assert isinstance(raised, client.RateLimitError) and raised.limit == client.RateLimit("upstream")


# ---------------------------------------------------------------- streams


def test_an_sse_error_event_raises_its_class() -> None:
    events = _ChatEvents(raise_on_guardrail=True)
    line = "data: " + orjson.dumps(server.openai_error_body(server.UpstreamError("cut"))).decode()
    with pytest.raises(client.UpstreamError, match="cut"):
        events.line(line)


def test_a_stream_without_its_end_is_a_connection_error() -> None:
    events = _ChatEvents(raise_on_guardrail=True)
    events.line('data: {"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "hi"}}]}')
    with pytest.raises(client.APIConnectionError):
        events.end()


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (server.RateLimited("slow"), client.RateLimitError),
        (server.InvalidRequest("bad"), client.BadRequestError),
        (server.UpstreamError("broke"), client.UpstreamError),
        (server.ServiceUnavailable("away"), client.ServiceUnavailableError),
        (server.InternalError("oops"), client.InternalServerError),
    ],
)
def test_an_exception_frame_raises_its_class(error: server.StrataError, expected: type[Exception]) -> None:
    events = _ConverseEvents(raise_on_guardrail=True)
    with pytest.raises(expected, match=error.message):
        events.feed(exception_frame(error, timeout_member=False))


# ---------------------------------------------------------------- retries


def _state(error: BaseException, attempt: int) -> RetryCallState:
    state = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return state


def test_retried_are_429_503_and_connection_failures_only() -> None:
    assert retryable(client.RateLimitError("x", status=429))
    assert retryable(client.ServiceUnavailableError("x", status=503))
    assert retryable(client.APIConnectionError("x"))
    for other in (client.BadRequestError("x"), client.UpstreamError("x"), client.TimeoutError("x")):
        assert not retryable(other)


def test_the_wait_is_retry_after_else_a_growing_backoff() -> None:
    assert wait(_state(client.RateLimitError("x", retry_after=4.0), 1)) == 4.0
    first, third = wait(_state(client.APIConnectionError("x"), 1)), wait(_state(client.APIConnectionError("x"), 3))
    assert 0.3 <= first <= 0.7 and 1.4 <= third <= 2.6


def test_no_retry_past_the_deadline_or_the_count() -> None:
    state = _state(client.RateLimitError("x", retry_after=1.0), 1)
    state.upcoming_sleep = 1.0
    assert not Stop(max_retries=2, deadline=time.monotonic() + 10)(state)
    assert Stop(max_retries=2, deadline=time.monotonic() + 0.5)(state), "a wait that ends past the deadline"
    assert Stop(max_retries=0, deadline=time.monotonic() + 10)(state), "max_retries=0: never"


def test_frames_split_anywhere_are_decoded_and_corruption_is_refused() -> None:
    from gateway.translate import eventstream

    raw = eventstream.event("contentBlockDelta", {"delta": {"text": "hé"}}) + eventstream.event("messageStop", {})
    decoder = EventStreamDecoder()
    frames = [frame for byte in range(len(raw)) for frame in decoder.feed(raw[byte : byte + 1])]
    assert [f.headers[":event-type"] for f in frames] == ["contentBlockDelta", "messageStop"]
    assert orjson.loads(frames[0].payload) == {"delta": {"text": "hé"}}
    broken = bytearray(raw)
    broken[-1] ^= 0xFF
    with pytest.raises(client.StrataError, match="corrupt"):
        EventStreamDecoder().feed(bytes(broken))
