"""Errors in Anthropic's shape, so the ``anthropic`` SDK raises its matching exception class.

The SDK picks the class by status (400 BadRequestError, 401 AuthenticationError, 403
PermissionDeniedError, 404 NotFoundError, 413 ContentTooLargeError, 429 RateLimitError, 529
OverloadedError, any other 5xx InternalServerError) and reads ``error.type`` and ``error.message``
from ``{"type": "error", "error": {...}, "request_id": ...}``. Each ``StrataError`` keeps its
status, except where Anthropic's API says it differently: a gateway without capacity (503) is
Anthropic's ``overloaded_error`` 529, and an unprocessable body (422) a plain 400. After the first
byte of a stream the status is sent, so a failure is an ``error`` event, which the SDK raises.
"""

from __future__ import annotations

import orjson
from starlette.responses import Response

from gateway.errors import ServiceUnavailable, StrataError, Unprocessable, error_headers

OVERLOADED = 529
_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    OVERLOADED: "overloaded_error",
}


def anthropic_status(error: StrataError) -> int:
    if isinstance(error, ServiceUnavailable):
        return OVERLOADED
    if isinstance(error, Unprocessable):
        return 400
    return error.status


def anthropic_type(status: int) -> str:
    found = _TYPES.get(status)
    if found is not None:
        return found
    return "invalid_request_error" if status < 500 else "api_error"


def anthropic_error_body(error: StrataError, request_id: str | None) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "error",
        "error": {"type": anthropic_type(anthropic_status(error)), "message": error.message},
    }
    if request_id:
        body["request_id"] = request_id
    return body


def anthropic_error_response(error: StrataError, request_id: str | None) -> Response:
    headers = error_headers(error)
    if request_id:
        headers["request-id"] = request_id  # where the SDK reads an error's request id from
    return Response(
        orjson.dumps(anthropic_error_body(error, request_id)),
        status_code=anthropic_status(error),
        media_type="application/json",
        headers=headers,
    )


def error_event(error: StrataError, request_id: str | None) -> bytes:
    """The ``error`` event that ends a stream which already started."""
    return b"event: error\ndata: " + orjson.dumps(anthropic_error_body(error, request_id)) + b"\n\n"
