"""Strata's own request and response headers, shared by every surface.

In: ``x-strata-timeout`` (seconds) shortens the request's whole deadline; the Stainless SDKs'
(openai, anthropic) ``x-stainless-read-timeout`` and ``x-stainless-timeout`` are the client's read
timeout, the longest it waits between two bytes: they bound the wait for an answer's first byte
(a whole answer, or a stream's first chunk: there is no point answering after the client gave
up), never a stream's length, and one that does not parse (``NOT_GIVEN``) is ignored, since the
client sent it, not its user. ``x-strata-routing-strategy`` overrides the model's routing
strategy, for admin keys only. ``x-strata-cache`` (no-cache, no-store, bypass, only-if-cached) says how
the response cache may serve this call (services/cache/directives.py).
Out: ``x-strata-model`` (the model that answered), ``x-strata-deployment``, ``x-strata-attempts``,
OpenAI's ``x-ratelimit-*`` for the tightest rpm/tpm limit on the call (services/quotas), and for
models with a cache ``x-strata-cache`` (hit, semantic-hit, miss, bypass) with ``age`` and
``x-strata-cache-similarity`` on hits.
"""

from __future__ import annotations

import math

from gateway.api.asgi_routes import AsgiRequest
from gateway.api.rendering import response_headers as response_headers  # one home for both paths
from gateway.config.routing import STRATEGIES
from gateway.errors import InvalidRequest, PermissionDenied
from gateway.services.cache.directives import parse_directives
from gateway.services.context import CallContext, Principal


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidRequest(f"Header {name} must be a positive number of seconds, not {value!r}.", param=name)
    return seconds


def _client_seconds(value: str | None) -> float | None:
    """A timeout an SDK sent on its own: used when it is a positive number of seconds, else ignored."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def apply_call_hints(request: AsgiRequest, call: CallContext, principal: Principal) -> None:
    deadline = request.header(b"x-strata-timeout")
    if deadline is not None:
        call.deadline_s = _seconds(deadline, "x-strata-timeout")
    reads = [
        seconds
        for name in (b"x-stainless-read-timeout", b"x-stainless-timeout")
        if (seconds := _client_seconds(request.header(name))) is not None
    ]
    if reads:
        call.read_timeout_s = min(reads)
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
    directives = request.header(b"x-strata-cache")
    if directives is not None:
        call.cache_directives = parse_directives(directives)
