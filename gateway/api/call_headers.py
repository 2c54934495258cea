"""Strata's own request and response headers, shared by every surface.

In: ``x-strata-timeout`` (seconds; the openai SDK's ``x-stainless-read-timeout`` and
``x-stainless-timeout`` count too: there is no point answering after the client gave up)
shortens the request's deadline; ``x-strata-routing-strategy``
overrides the model's routing strategy, for admin keys only.
Out: ``x-strata-model`` (the model that answered), ``x-strata-deployment``, ``x-strata-attempts``,
and OpenAI's ``x-ratelimit-*`` for the tightest rpm/tpm limit on the call (services/quotas).
"""

from __future__ import annotations

import math

from gateway.api.asgi_routes import AsgiRequest
from gateway.api.rendering import response_headers as response_headers  # one home for both paths
from gateway.config.routing import STRATEGIES
from gateway.errors import InvalidRequest, PermissionDenied
from gateway.services.context import CallContext, Principal


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidRequest(f"Header {name} must be a positive number of seconds, not {value!r}.", param=name)
    return seconds


def apply_call_hints(request: AsgiRequest, call: CallContext, principal: Principal) -> None:
    deadlines = [
        _seconds(value, name)
        for name in ("x-strata-timeout", "x-stainless-timeout", "x-stainless-read-timeout")
        if (value := request.header(name.encode())) is not None
    ]
    if deadlines:
        call.deadline_s = min(deadlines)
    strategy = request.header(b"x-strata-routing-strategy")
    if strategy is not None:
        if not principal.is_admin:
            raise PermissionDenied("Only admin keys may choose a routing strategy.")
        if strategy not in STRATEGIES:
            raise InvalidRequest(
                f"Unknown routing strategy {strategy!r}; use one of {', '.join(STRATEGIES)}.",
                param="x-strata-routing-strategy",
            )
        call.strategy = strategy
