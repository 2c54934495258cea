"""Upstream failures become provider errors (with a retryable flag), then the error a caller sees."""

from __future__ import annotations

import pytest

from gateway import errors as gerr
from providers import errors as perr
from providers.errors import error_for_status

# --- upstream status -> provider error --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message", "kind", "retryable"),
    [
        (400, None, "messages must not be empty", perr.ProviderBadRequest, False),
        (400, "context_length_exceeded", "too long", perr.ContextWindowExceeded, False),
        (400, None, "This model's maximum context length is 8192 tokens", perr.ContextWindowExceeded, False),
        (400, "content_policy_violation", "refused", perr.ContentPolicyViolation, False),
        (400, None, "The response was filtered due to content management policy", perr.ContentPolicyViolation, False),
        (401, "invalid_api_key", "Incorrect API key", perr.ProviderAuthError, False),
        (403, None, "forbidden", perr.ProviderAuthError, False),
        (404, "model_not_found", "no such model", perr.ProviderNotFound, False),
        (408, None, "request timeout", perr.ProviderTimeout, True),
        (413, None, "too large", perr.ProviderBadRequest, False),
        (422, None, "unprocessable", perr.ProviderBadRequest, False),
        (429, "rate_limit_exceeded", "slow down", perr.ProviderRateLimited, True),
        (500, None, "boom", perr.ProviderUpstreamError, True),
        (502, None, "bad gateway", perr.ProviderUpstreamError, True),
        (503, None, "overloaded", perr.ProviderUnavailable, True),
        (504, None, "gateway timeout", perr.ProviderTimeout, True),
    ],
)
def test_upstream_status_maps_to_provider_error(
    status: int, code: str | None, message: str, kind: type[perr.ProviderError], retryable: bool
) -> None:
    error = error_for_status(status, message, code=code)
    assert type(error) is kind
    assert error.retryable is retryable
    assert message in error.message


def test_context_window_recognised_from_the_error_type() -> None:
    error = error_for_status(400, "nope", error_type="context_length_exceeded")
    assert type(error) is perr.ContextWindowExceeded


def test_bad_request_keeps_status_code_and_param() -> None:
    error = error_for_status(422, "bad temperature", code="invalid_value", param="temperature")
    assert (error.status, error.code, error.param) == (422, "invalid_value", "temperature")
    too_large = error_for_status(413, "too large")
    assert too_large.status == 413


def test_rate_limit_keeps_retry_after() -> None:
    error = error_for_status(429, "slow down", retry_after=7.5)
    assert error.retry_after == 7.5 and error.status == 429


def test_unavailable_and_timeout_keep_retry_after() -> None:
    assert error_for_status(503, "busy", retry_after=2).retry_after == 2
    assert error_for_status(504, "slow", retry_after=3).retry_after == 3


def test_auth_error_says_the_gateway_credentials_were_refused() -> None:
    error = error_for_status(401, "Incorrect API key provided", code="invalid_api_key")
    assert error.message == "upstream refused the gateway's credentials (401): Incorrect API key provided"
    assert error.status == 502


def test_other_5xx_names_the_upstream_status() -> None:
    error = error_for_status(500, "boom")
    assert error.message == "upstream answered 500: boom"


def test_unknown_4xx_is_an_upstream_error() -> None:
    error = error_for_status(418, "teapot")
    assert type(error) is perr.ProviderUpstreamError


# --- provider error -> the error a caller sees ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "gateway_status", "gateway_type", "gateway_code"),
    [
        (400, None, 400, "invalid_request_error", None),
        (400, "context_length_exceeded", 400, "invalid_request_error", "context_length_exceeded"),
        (400, "content_policy_violation", 400, "invalid_request_error", "content_policy_violation"),
        (401, None, 502, "upstream_error", "upstream_auth_error"),
        (403, None, 502, "upstream_error", "upstream_auth_error"),
        (404, None, 404, "not_found_error", None),
        (408, None, 504, "timeout", None),
        (413, None, 413, "invalid_request_error", "request_too_large"),
        (422, None, 422, "invalid_request_error", None),
        (429, None, 429, "rate_limit_error", "rate_limit_exceeded"),
        (500, None, 502, "upstream_error", None),
        (502, None, 502, "upstream_error", None),
        (503, None, 503, "service_unavailable", None),
        (504, None, 504, "timeout", None),
    ],
)
def test_caller_sees_gateway_error(
    status: int, code: str | None, gateway_status: int, gateway_type: str, gateway_code: str | None
) -> None:
    error = gerr.from_provider_error(error_for_status(status, "upstream says no", code=code))
    assert (error.status, error.type, error.code) == (gateway_status, gateway_type, gateway_code)


def test_context_window_is_its_own_class() -> None:
    error = gerr.from_provider_error(error_for_status(400, "x", code="context_length_exceeded"))
    assert isinstance(error, gerr.ContextWindowExceeded)
    assert error.bedrock_type == "ValidationException"


def test_upstream_auth_failure_does_not_blame_the_callers_key() -> None:
    # Regression: the upstream's "invalid_api_key" once reached the caller (as a 502), which reads as
    # "your key is wrong" although it was the gateway's own credentials that were refused.
    error = gerr.from_provider_error(error_for_status(401, "Incorrect API key", code="invalid_api_key"))
    assert (error.status, error.type) == (502, "upstream_error")
    assert error.code != "invalid_api_key"


def test_rate_limit_keeps_retry_after_for_the_caller() -> None:
    error = gerr.from_provider_error(error_for_status(429, "slow down", retry_after=12))
    assert isinstance(error, gerr.RateLimited) and error.retry_after == 12


def test_param_survives_to_the_caller() -> None:
    error = gerr.from_provider_error(error_for_status(400, "bad", param="messages[0].content"))
    assert error.param == "messages[0].content"


def test_unsupported_operation_is_a_bad_request() -> None:
    error = gerr.from_provider_error(perr.UnsupportedOperation("no embeddings here"))
    assert (error.status, error.type) == (400, "invalid_request_error")


def test_a_provider_error_subclass_without_a_mapping_is_an_upstream_error() -> None:
    class Weird(perr.ProviderError):
        pass

    error = gerr.from_provider_error(Weird("odd"))
    assert (error.status, error.type, error.message) == (502, "upstream_error", "odd")


# --- rendering --------------------------------------------------------------------------------


def test_openai_error_body_shape() -> None:
    error = gerr.InvalidRequest("Missing required parameter: 'model'.", param="model")
    assert gerr.openai_error_body(error) == {
        "error": {
            "message": "Missing required parameter: 'model'.",
            "type": "invalid_request_error",
            "param": "model",
            "code": None,
        }
    }


def test_openai_error_body_for_authentication() -> None:
    body = gerr.openai_error_body(gerr.AuthenticationFailed("Incorrect API key provided."))
    assert body["error"] == {
        "message": "Incorrect API key provided.",
        "type": "authentication_error",
        "param": None,
        "code": "invalid_api_key",
    }


def test_code_and_status_can_be_given_per_instance() -> None:
    error = gerr.AuthenticationFailed("none", code="missing_api_key")
    assert (error.status, error.code) == (401, "missing_api_key")
    assert gerr.AuthenticationFailed("x").code == "invalid_api_key", "the class default is untouched"
    assert gerr.StrataError("teapot", status=418).status == 418


def test_no_retry_after_header_without_retry_after() -> None:
    assert gerr.retry_after_header(gerr.RateLimited("slow")) == {}


@pytest.mark.parametrize(
    ("retry_after", "header"),
    [(0, "1"), (0.2, "1"), (1, "1"), (2.0, "2"), (30, "30")],
)
def test_retry_after_header_is_whole_seconds_at_least_one(retry_after: float, header: str) -> None:
    assert gerr.retry_after_header(gerr.RateLimited("slow", retry_after=retry_after)) == {"retry-after": header}


def test_retry_after_header_never_tells_the_caller_to_come_back_early() -> None:
    # Regression: round() (banker's rounding) once turned 2.5 s into "2" and 1.2 s into "1", so callers
    # retried before the upstream allowed it.
    headers = [
        gerr.retry_after_header(gerr.RateLimited("slow", retry_after=s))["retry-after"] for s in (1.2, 2.5, 9.01)
    ]
    assert headers == ["2", "3", "10"]
