"""Errors rendered in the caller's own shape, chosen by the surface the call came through."""

from __future__ import annotations

import orjson
from starlette.responses import Response

from gateway.errors import StrataError, openai_error_body, retry_after_header
from gateway.services.context import CallContext


def error_response(call: CallContext | None, error: StrataError) -> Response:
    if call is not None:
        call.error_type = error.type
    return Response(
        orjson.dumps(openai_error_body(error)),
        status_code=error.status,
        media_type="application/json",
        headers=retry_after_header(error),
    )
