"""The client's exceptions, one tree under ``StrataError``, mirroring the gateway's own.

The gateway answers an error in the caller's surface shape: OpenAI's ``{"error": {message, type,
param, code}}`` on ``/v1`` and ``/admin``, Bedrock's ``{"message"}`` with ``x-amzn-ErrorType`` on
the Bedrock routes, and error events inside streams. Every one of them becomes the same class here,
so a program catches ``RateLimitError`` whichever surface it called. Nothing here imports httpx.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any


class StrataError(Exception):
    """Anything the client raises. ``status`` is None when no HTTP answer came (or inside a stream)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.headers: dict[str, str] = dict(headers or {})
        self.retry_after = retry_after  # seconds the gateway asked to wait (Retry-After), if it did

    def __str__(self) -> str:
        return self.message


class APIConnectionError(StrataError):
    """The gateway could not be reached (refused, DNS): retried like a 503. Or the connection failed
    after the request went out (``request_sent``: the gateway dropped it, a reset): never retried, as
    the gateway may have received the call (a model call or a create sent again could run twice)."""

    def __init__(self, message: str, *, request_sent: bool = False, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.request_sent = request_sent


class TimeoutError(StrataError, builtins.TimeoutError):  # noqa: A001 - the name the SDK promises
    """No answer within the client's deadline, or the gateway's own 504 (an upstream that took too long)."""


class BadRequestError(StrataError):
    """The request was refused as it stands (400, 405, 413, 415, 422); ``param`` names the field."""


class ConflictError(BadRequestError):
    """It contradicts what exists (409): a name taken, a guardrail still in use."""


class AuthenticationError(StrataError):
    """The key is missing, unknown, expired or revoked (401)."""


class PermissionDeniedError(StrataError):
    """The key is valid but may not do this (403): not an admin key, a model it may not call."""


class NotFoundError(StrataError):
    """No such model, key, team, guardrail or deployment (404)."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The limit a 429 names. ``kind``: rpm, tpm, max_concurrent, budget_usd_day, budget_usd_month,
    or ``upstream`` when the provider behind the gateway refused; ``scope`` as the gateway says it
    (``key k1``, ``team t1``, ``model gpt-x``, ``key k1 on model gpt-x``); ``value`` the limit."""

    kind: str
    scope: str | None = None
    value: float | None = None


class RateLimitError(StrataError):
    """A limit was reached (429). ``retry_after``: seconds the gateway asked to wait; ``limit``: which one."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.limit = parse_limit(message)


class GuardrailIntervened(StrataError):
    """A guardrail blocked the call. ``assessment``: what it found (the gateway's report, Bedrock's
    shape inside); ``output``: the guardrail's blocked message; ``response``: the whole answer when
    one came (a completion whose text is the blocked message), else None."""

    def __init__(
        self,
        message: str,
        *,
        assessment: Any = None,
        output: str | None = None,
        response: Any = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.assessment = assessment
        self.output = output
        self.response = response


class UpstreamError(StrataError):
    """The model's provider failed (502; Bedrock's ModelErrorException, 424)."""


class ServiceUnavailableError(StrataError):
    """No deployment can take the call now, or the gateway is not ready (503): retried."""


class InternalServerError(StrataError):
    """The gateway failed (500)."""


# ---------------------------------------------------------------- from an answer

_BY_STATUS: dict[int, type[StrataError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: BadRequestError,
    408: TimeoutError,
    409: ConflictError,
    413: BadRequestError,
    415: BadRequestError,
    422: BadRequestError,
    424: UpstreamError,
    429: RateLimitError,
    500: InternalServerError,
    502: UpstreamError,
    503: ServiceUnavailableError,
    504: TimeoutError,
}

_BY_TYPE: dict[str, type[StrataError]] = {
    # OpenAI-shaped error types (streams carry no status, only these)
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "rate_limit_error": RateLimitError,
    "upstream_error": UpstreamError,
    "service_unavailable": ServiceUnavailableError,
    "timeout": TimeoutError,
    "api_error": InternalServerError,
    # Bedrock's x-amzn-ErrorType names and its stream's exception members
    "ValidationException": BadRequestError,
    "validationException": BadRequestError,
    "AccessDeniedException": PermissionDeniedError,
    "UnrecognizedClientException": AuthenticationError,
    "MissingAuthenticationTokenException": AuthenticationError,
    "ResourceNotFoundException": NotFoundError,
    "ConflictException": ConflictError,
    "ResourceInUseException": ConflictError,
    "ModelTimeoutException": TimeoutError,
    "modelTimeoutException": TimeoutError,
    "ModelErrorException": UpstreamError,
    "modelStreamErrorException": UpstreamError,
    "ThrottlingException": RateLimitError,
    "throttlingException": RateLimitError,
    "ServiceUnavailableException": ServiceUnavailableError,
    "serviceUnavailableException": ServiceUnavailableError,
    "InternalServerException": InternalServerError,
    "internalServerException": InternalServerError,
}


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> StrataError:
    """The exception for an HTTP error answer in any of the gateway's shapes (headers: lower-case names)."""
    found = _parse_body(body)
    bedrock_type = (headers.get("x-amzn-errortype") or "").split(":", 1)[0] or None
    detail = found.get("error") if isinstance(found.get("error"), dict) else None
    if detail is not None:
        message, kind = str(detail.get("message") or ""), _text(detail.get("type"))
        code, param = _text(detail.get("code")), _text(detail.get("param"))
    else:
        # Bedrock's shape names its error once: it is the type and, as boto3's Error.Code, the code
        message, kind, code, param = (
            str(found.get("message") or found.get("Message") or ""),
            bedrock_type,
            bedrock_type,
            None,
        )
    if not message:
        message = body.decode("utf-8", "replace").strip()[:500] or f"HTTP {status}"
    cls = _class_for(status, kind, code)
    fields: dict[str, Any] = {
        "status": status,
        "type": kind,
        "code": code,
        "param": param,
        "request_id": headers.get("x-request-id") or headers.get("x-amzn-requestid"),
        "headers": headers,
        "retry_after": parse_retry_after(headers.get("retry-after")),
    }
    return cls(message, **fields)


def error_from_event(payload: Mapping[str, Any], event_type: str | None = None) -> StrataError:
    """The exception for an error inside a stream: an SSE ``{"error": ...}`` event, or an AWS
    event-stream exception frame (``event_type`` is its ``:exception-type``)."""
    detail = payload.get("error") if isinstance(payload.get("error"), dict) else payload
    assert isinstance(detail, Mapping)
    message = str(detail.get("message") or "The stream failed.")
    kind = event_type or _text(detail.get("type"))
    code, param = _text(detail.get("code")), _text(detail.get("param"))
    return _class_for(None, kind, code)(message, type=kind, code=code, param=param)


def _class_for(status: int | None, kind: str | None, code: str | None) -> type[StrataError]:
    """Bedrock's error types say more than its statuses (403 is a bad key or a denial); on OpenAI's
    shape the status decides (its ``invalid_request_error`` covers 400, 405, 409...); streams have
    only the type."""
    if code == "guardrail_intervened":
        return GuardrailIntervened
    if kind is not None and kind in _BY_TYPE and (status is None or kind[:1].isupper()):
        return _BY_TYPE[kind]
    if status is not None and status in _BY_STATUS:
        return _BY_STATUS[status]
    if status is not None and 400 <= status < 500:
        return BadRequestError
    return StrataError


def _parse_body(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body) if body else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, from its delta-seconds or HTTP-date form; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


# The gateway's refusals, worded in one place (gateway/services/quotas/report.py: describe).
_LIMITS = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"^Rate limit reached for (?P<scope>.+?): (?P<value>\d+) requests per minute\.", "rpm"),
        (r"^Rate limit reached for (?P<scope>.+?): (?P<value>\d+) tokens per minute\b", "tpm"),
        (r"^Concurrency limit reached for (?P<scope>.+?): (?P<value>\d+) requests at a time\.", "max_concurrent"),
        (r"^Budget reached for (?P<scope>.+?): (?P<value>[\d.]+) USD per day\b", "budget_usd_day"),
        (r"^Budget reached for (?P<scope>.+?): (?P<value>[\d.]+) USD per month\b", "budget_usd_month"),
    )
)


def parse_limit(message: str) -> RateLimit:
    """Which limit a 429's message names; ``upstream`` for a provider's own refusal."""
    for pattern, kind in _LIMITS:
        match = pattern.match(message)
        if match:
            return RateLimit(kind, match["scope"], float(match["value"]))
    return RateLimit("upstream")
