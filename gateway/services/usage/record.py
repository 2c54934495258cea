"""The usage record of one call, built when its response is finished.

Building it is the only usage work on the request path, so it copies fields and nothing more:
cost, dates and column limits are the writer's business, off the path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.services.context import CallContext


@dataclass(slots=True)
class UsageEvent:
    """One request's usage: what the ledger row says, before cost and column limits apply.

    Never changed once made, but not ``frozen``: a frozen dataclass sets each field through
    object.__setattr__, which made building one, on every request, about three times slower."""

    id: str  # the gateway's own id for this request: unique, the idempotency key of the write
    request_id: str  # the x-request-id the caller saw (possibly the caller's own, so not unique)
    ts: float  # when the request arrived, epoch seconds
    surface: str
    status: int  # HTTP status sent; 0 when none was (the client went away first)
    latency_ms: float
    key_id: str | None = None
    team_id: str | None = None
    model: str | None = None
    served_model: str | None = None
    deployment: str | None = None
    provider: str | None = None
    stream: bool = False
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    ttft_ms: float | None = None
    error_type: str | None = None
    guardrail_action: str | None = None
    tags: tuple[str, ...] = ()
    request_metadata: dict[str, Any] | None = None
    cache: str | None = None  # "hit" | "semantic-hit": answered from the response cache
    saved_usd: Decimal | None = None  # on a hit: what the original call cost

    @property
    def is_error(self) -> bool:
        """A failed call: an error status, no status at all, or a stream that failed after 200."""
        return self.status >= 400 or self.status == 0 or self.error_type is not None

    @property
    def ended(self) -> float:
        return self.ts + self.latency_ms / 1000


def usage_event(call: CallContext, status: int, record_id: str) -> UsageEvent:
    """The record of a finished call (``record_id`` is unique per request, see UsageEvent.id)."""
    elapsed = time.perf_counter() - call.started
    principal = call.principal
    return UsageEvent(
        id=record_id,
        request_id=call.request_id,
        ts=time.time() - elapsed,
        surface=call.surface,
        status=status,
        latency_ms=elapsed * 1000,
        key_id=principal.key_id if principal else None,
        team_id=principal.team_id if principal else None,
        model=call.model,
        served_model=call.served_model,
        deployment=call.deployment,
        provider=call.provider,
        stream=call.stream,
        attempts=call.attempts,
        prompt_tokens=call.prompt_tokens or 0,
        completion_tokens=call.completion_tokens or 0,
        cached_tokens=call.cached_tokens or 0,
        ttft_ms=call.first_token_s * 1000 if call.first_token_s is not None else None,
        error_type=call.error_type,
        guardrail_action=call.guardrail_action,
        tags=principal.tags if principal else (),
        request_metadata=call.request_metadata,
        cache=call.cache.recorded if call.cache is not None else None,
        saved_usd=call.cache.saved_usd if call.cache is not None else None,
    )
