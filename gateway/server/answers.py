"""Answers the server gives on its own, before or instead of the app: a malformed request, a
deadline missed, a head too large, a connection over the cap. Each is a whole HTTP/1.1 response
in the caller's JSON error shape (the surface's, when the app already knows the call) that
closes the connection, written straight to the transport.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import STATUS_LINE

from gateway.api.rendering import error_response
from gateway.errors import RateLimited, StrataError
from gateway.middleware import new_request_id
from gateway.services.context import CallContext


def _client_error(status: int, code: str, message: str) -> StrataError:
    """An ad-hoc 4xx: its own status on every surface (Bedrock's ValidationException included)."""
    error = StrataError(message, status=status, code=code)
    error.type = "invalid_request_error"
    return error


def malformed(reason: str) -> StrataError:
    return _client_error(400, "invalid_http_request", f"Invalid HTTP request: {reason.rstrip('.')}.")


def head_too_large(limit: int) -> StrataError:
    message = f"The request head (request line and headers) exceeds the limit of {limit} bytes."
    return _client_error(431, "request_header_fields_too_large", message)


def head_timeout(seconds: float) -> StrataError:
    return _client_error(408, "request_timeout", f"The request head did not arrive within {seconds:g} s.")


def body_timeout(seconds: float) -> StrataError:
    message = f"The request body did not arrive within {seconds:g} s of its head; nothing was sent to a model."
    return _client_error(408, "request_timeout", message)


def too_many_connections(address: str, limit: int) -> StrataError:
    message = (
        f"Too many open connections from {address}: the limit is {limit} per client address. "
        "Reuse kept-alive connections, or close some."
    )
    return RateLimited(message, code="too_many_connections", retry_after=1)


def response_bytes(error: StrataError, call: CallContext | None, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """The whole response, ``connection: close`` included; it carries the call's request id, or a new one."""
    response = error_response(call, error)
    request_id = call.request_id if call is not None else new_request_id()
    headers = [
        *default_headers,
        *response.raw_headers,
        (b"x-request-id", request_id.encode()),
        (b"connection", b"close"),
    ]
    parts = [STATUS_LINE[response.status_code]]
    for name, value in headers:
        parts += [name, b": ", value, b"\r\n"]
    parts += [b"\r\n", bytes(response.body)]
    return b"".join(parts)
