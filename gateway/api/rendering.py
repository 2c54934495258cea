"""Errors rendered in the caller's own shape, chosen by the surface the call came through."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.api.anthropic_errors import anthropic_error_response
from gateway.api.bedrock_errors import bedrock_error_response
from gateway.errors import StrataError, error_headers, openai_error_body
from gateway.services.context import CallContext


class BodyResponse(Response):
    """A complete body whose headers are built straight as bytes, for the invoke routes.

    Starlette's ``Response.__init__`` re-scans and re-encodes the headers and its ``__call__``
    checks for background tasks: small costs, but paid on every model call.
    """

    def __init__(self, body: bytes, headers: Mapping[str, str], media_type: bytes = b"application/json") -> None:
        self.status_code = 200
        self.body = body
        self.background = None
        raw = [(b"content-type", media_type), (b"content-length", b"%d" % len(body))]
        raw += [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        self.raw_headers = raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body})


def error_response(call: CallContext | None, error: StrataError) -> Response:
    if call is not None:
        call.error_type = error.type
        if call.surface == "bedrock":
            return _with_rate_limits(call, bedrock_error_response(error, call.request_id))
        if call.surface == "anthropic":
            return _with_rate_limits(call, anthropic_error_response(error, call.request_id))
    return _with_rate_limits(
        call,
        Response(
            orjson.dumps(openai_error_body(error)),
            status_code=error.status,
            media_type="application/json",
            headers=error_headers(error),
        ),
    )


def _with_rate_limits(call: CallContext | None, response: Response) -> Response:
    """Errors carry the call's headers too: who was tried, how often, and its x-ratelimit-* (a 429 most of all).
    When the gateway already retried the upstream, ``x-should-retry: false`` tells the openai and
    anthropic SDKs not to retry on top (3 gateway attempts x 3 SDK tries was 9 upstream calls)."""
    if call is not None:
        response.headers.update(response_headers(call))
        if call.attempts > 1 and response.status_code in _RETRIED_STATUSES:
            response.headers["x-should-retry"] = "false"
    return response


_RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def response_headers(call: CallContext) -> dict[str, str]:
    """x-strata-model (the model that answered), x-strata-deployment, x-strata-attempts, x-ratelimit-*,
    x-strata-cache (models with a cache)."""
    headers = {}
    model = call.served_model or call.model
    if model:
        headers["x-strata-model"] = header_value(model)
    if call.deployment:
        headers["x-strata-deployment"] = header_value(call.deployment)
    if call.attempts:
        headers["x-strata-attempts"] = str(call.attempts)
    if call.rate_limit_headers:
        headers.update(call.rate_limit_headers)
    if call.cache is not None:
        headers.update(call.cache.headers())
    return headers


def header_value(text: str) -> str:
    """``text`` as an HTTP header may carry it: printable ASCII as it is; anything else (a model
    named in another script, a control character) percent-encoded as UTF-8, which was a bare 500
    (and, with a line break, an empty reply)."""
    if text.isascii() and text.isprintable():
        return text
    return quote(text, safe="".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%"))
