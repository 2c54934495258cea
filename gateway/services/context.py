"""What one call carries through the pipeline, and what its log line and usage record say."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.schemas.limits import NO_LIMITS, Limits
from providers.canonical import EmbeddingUsage, Usage

if TYPE_CHECKING:
    from gateway.guardrails.request import GuardrailRequest
    from gateway.observability.tracing import CallTrace
    from gateway.services.cache.outcome import CacheOutcome


@dataclass(slots=True)
class Principal:
    """Who is calling: a key (the master key, or a virtual key with its team and limits)."""

    key_id: str
    is_admin: bool = False
    team_id: str | None = None
    allowed_models: frozenset[str] | None = None  # None: every model
    limits: Limits = NO_LIMITS
    team_limits: Limits = NO_LIMITS
    model_limits: Mapping[str, Limits] = field(default_factory=dict)  # this key on one model
    tags: tuple[str, ...] = ()
    guardrails: tuple[str, ...] = ()  # the key's default guardrails: "ID" or "ID:VERSION"
    team_guardrails: tuple[str, ...] = ()  # its team's, applied too

    def may_call(self, model: str) -> bool:
        return self.allowed_models is None or model in self.allowed_models


@dataclass(slots=True)
class CallContext:
    """Created by the request middleware; filled in by the pipeline; read by the log and usage."""

    request_id: str
    surface: str  # the API surface (route table): decides the error shape
    model_call: bool = False  # the route calls a model (route table): one usage record once authenticated
    started: float = field(default_factory=time.perf_counter)
    principal: Principal | None = None
    model: str | None = None  # the public model the caller asked for
    served_model: str | None = None  # the public model that answered (a fallback, a routed choice)
    routed_model: str | None = None  # what a prompt router chose, for traces
    strategy: str | None = None  # a routing strategy the (admin) caller asked for
    deadline_s: float | None = None  # the caller's own time limit, if shorter than the model's
    deadline_at: float | None = None  # time.monotonic() by which the whole request must be done
    read_timeout_s: float | None = None  # the client's read timeout (x-stainless-*): bounds the first byte only
    deployment: str | None = None
    provider: str | None = None
    stream: bool = False
    attempts: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    usage_estimated: bool = False
    first_token_s: float | None = None
    error_type: str | None = None
    request_metadata: dict[str, str] | None = None  # Bedrock's requestMetadata, for the usage record
    rate_limit_headers: dict[str, str] | None = None  # x-ratelimit-* from the quota stage, for every answer
    cached_tokens: int | None = None  # prompt tokens the upstream served from its cache
    guardrail_action: str | None = None  # what guardrails did: "blocked:words,sensitive" (the usage record's)
    guardrails: GuardrailRequest | None = None  # what the caller asked for (surfaces set it; the pipeline applies it)
    operation: str = "chat"  # gen_ai.operation.name (chat, embeddings): metrics and traces
    quota_refusal: tuple[str, str] | None = None  # (scope kind, limit) of the limit that refused the call: metrics
    trace: CallTrace | None = None  # the call's spans, when tracing is on (gateway/observability/tracing.py)
    prompt: Any = None  # the canonical request the model was asked, for invocation logs (a reference, no copy)
    reply: Any = None  # what it answered (a completion, embeddings, the stream), for invocation logs
    cache: CacheOutcome | None = None  # the response cache's verdict, models with a cache only (headers, usage)
    cache_directives: int = 0  # the caller's x-strata-cache header, as flags (services/cache/directives.py)

    def record_usage(self, usage: Usage | EmbeddingUsage, estimated: bool = False) -> None:
        """The call's token counts, for its usage record, log line and quota settlement: the one
        place they are copied from a response (``estimated``: counted here, the upstream sent none)."""
        self.prompt_tokens = usage.prompt_tokens
        if isinstance(usage, Usage):
            self.completion_tokens = usage.completion_tokens
            self.cached_tokens = usage.cached_prompt_tokens()
        else:
            self.completion_tokens = 0
        self.usage_estimated = self.usage_estimated or estimated

    def mark_first_token(self) -> None:
        if self.first_token_s is None:
            self.first_token_s = time.perf_counter() - self.started
