"""The OpenAI-compatible provider reading an upstream's refusals: Retry-After (seconds, an HTTP date,
retry-after-ms, garbage) and error bodies of every shape, mapped to the provider errors."""

from __future__ import annotations

import email.utils
import json
import time

from multidict import CIMultiDict, CIMultiDictProxy

from providers import errors as perr
from providers.openai_compatible import error_from_response, parse_retry_after


def _headers(values: dict[str, str]) -> CIMultiDictProxy[str]:
    return CIMultiDictProxy(CIMultiDict(values))


# --- Retry-After ------------------------------------------------------------------------------


def _retry(headers: dict[str, str]) -> float | None:
    return parse_retry_after(_headers(headers))


def test_retry_after_in_seconds() -> None:
    assert _retry({"retry-after": "5"}) == 5.0
    assert _retry({"retry-after": "1.5"}) == 1.5
    assert _retry({"retry-after": "-3"}) == 0.0


def test_retry_after_absent() -> None:
    assert _retry({}) is None


def test_retry_after_as_http_date() -> None:
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 27 <= (_retry({"retry-after": future}) or 0) <= 31
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    assert _retry({"retry-after": past}) == 0.0


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert _retry({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5


def test_garbage_retry_after_ms_falls_back_to_retry_after() -> None:
    assert _retry({"retry-after-ms": "soon", "retry-after": "4"}) == 4.0


def test_garbage_retry_after_is_ignored() -> None:
    # Regression: email.utils.parsedate_to_datetime raises ValueError on garbage (Python >= 3.10), which
    # once escaped error_from_response instead of a ProviderRateLimited.
    assert _retry({"retry-after": "soon"}) is None
    error = error_from_response(429, _headers({"retry-after": "soon"}), b'{"error": {"message": "slow down"}}')
    assert isinstance(error, perr.ProviderRateLimited) and error.retry_after is None


def test_non_finite_retry_after_is_ignored() -> None:
    # Regression: "inf" was once accepted and later crashed rendering the 429's Retry-After header.
    for value in ("inf", "-inf", "nan"):
        assert _retry({"retry-after": value}) is None
        assert _retry({"retry-after-ms": value}) is None


# --- upstream error bodies --------------------------------------------------------------------


def _error(status: int, body: bytes, headers: dict[str, str] | None = None) -> perr.ProviderError:
    return error_from_response(status, _headers(headers or {}), body)


def test_openai_shaped_error_body() -> None:
    body = {
        "error": {
            "message": "Invalid value for 'temperature'",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "invalid_value",
        }
    }
    error = _error(400, json.dumps(body).encode())
    assert type(error) is perr.ProviderBadRequest
    assert (error.message, error.param, error.code, error.status) == (
        "Invalid value for 'temperature'",
        "temperature",
        "invalid_value",
        400,
    )


def test_openai_shaped_context_length_error() -> None:
    body = {"error": {"message": "too long", "type": "invalid_request_error", "code": "context_length_exceeded"}}
    assert type(_error(400, json.dumps(body).encode())) is perr.ContextWindowExceeded


def test_rate_limit_error_carries_retry_after_header() -> None:
    error = _error(429, b'{"error": {"message": "slow down", "type": "requests"}}', {"retry-after": "3"})
    assert isinstance(error, perr.ProviderRateLimited)
    assert (error.retry_after, error.message) == (3.0, "slow down")


def test_string_error_body() -> None:
    error = _error(503, b'{"error": "model is overloaded"}')
    assert type(error) is perr.ProviderUnavailable
    assert error.message == "model is overloaded"


def test_error_fields_at_the_top_level() -> None:
    error = _error(404, b'{"message": "model not found", "code": "model_not_found"}')
    assert type(error) is perr.ProviderNotFound
    assert (error.message, error.code) == ("model not found", "model_not_found")


def test_non_string_code_is_dropped() -> None:
    error = _error(400, b'{"error": {"message": "bad", "code": 400, "param": null}}')
    assert (error.code, error.param) == (None, None)


def test_non_json_error_body_becomes_the_message() -> None:
    error = _error(502, b"<html><body>Bad Gateway</body></html>")
    assert type(error) is perr.ProviderUpstreamError
    assert error.message == "upstream answered 502: <html><body>Bad Gateway</body></html>"


def test_long_non_json_body_is_truncated() -> None:
    error = _error(500, b"x" * 5000)
    assert len(error.message) < 600


def test_empty_error_body() -> None:
    assert _error(500, b"").message == "upstream answered 500: HTTP 500"


def test_invalid_utf8_error_body() -> None:
    error = _error(400, b"\xff\xfe bad bytes")
    assert type(error) is perr.ProviderBadRequest and "bad bytes" in error.message
