"""Finished calls folded into sums per label set, then applied to the metric families in bulk.

prometheus_client costs 1-3 us per ``labels(...).inc()`` or ``observe()`` (more with per-process
files), and a call touches a dozen series: ~20 us a request if recorded one by one. A batch of
calls mostly shares a few label sets, so the fold (dict arithmetic, a bisect per histogram) is
what each call costs, and prometheus_client is called once per label set per batch.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.observability.metrics import DURATION_BUCKETS, TOKEN_BUCKETS, TTFT_BUCKETS, GatewayMetrics
from gateway.services.usage.record import UsageEvent

if TYPE_CHECKING:
    from gateway.guardrails.request import GuardrailRequest
    from gateway.services.cache.outcome import CacheOutcome
    from gateway.services.pricing import PriceTable

Labels = tuple[Any, ...]


@dataclass(slots=True)
class Finished:
    """A call as the request boundary hands it over: its usage record and what the record lacks."""

    event: UsageEvent
    operation: str  # gen_ai.operation.name: chat, embeddings
    routed_model: str | None  # a prompt router's choice (not a fallback)
    quota_refusal: tuple[str, str] | None  # (scope, limit) of the limit that refused it
    guardrails: GuardrailRequest | None
    cache: CacheOutcome | None = None  # the response cache's verdict, for models with one


@dataclass(slots=True)
class Buckets:
    """One histogram series' observations in a batch: per-bucket counts (the last is +Inf) and sum."""

    counts: list[int]
    total: float = 0.0


def observe_many(child: Any, counts: list[int], total: float) -> None:
    """Add a batch to a prometheus_client histogram series as ``observe`` would, one call per
    bucket instead of per value. It writes the series' own bucket values (``_buckets``, stored
    per bucket, cumulated at collection, and ``_sum``), which observe() itself writes:
    tests/unit/test_metrics_tally.py checks the result against observe() for each release."""
    child._sum.inc(total)
    buckets = child._buckets
    for index, count in enumerate(counts):
        if count:
            buckets[index].inc(count)


@dataclass
class Tally:
    """Sums for one batch of finished calls."""

    pricing: PriceTable | None = None
    requests: dict[Labels, int] = field(default_factory=dict)
    duration: dict[Labels, Buckets] = field(default_factory=dict)
    token_usage: dict[Labels, Buckets] = field(default_factory=dict)
    ttft: dict[Labels, Buckets] = field(default_factory=dict)
    tokens: dict[Labels, int] = field(default_factory=dict)
    cost: dict[Labels, float] = field(default_factory=dict)
    retries: dict[Labels, int] = field(default_factory=dict)
    fallbacks: dict[Labels, int] = field(default_factory=dict)
    quota_rejections: dict[Labels, int] = field(default_factory=dict)
    guardrail_actions: dict[Labels, int] = field(default_factory=dict)
    cache_requests: dict[Labels, int] = field(default_factory=dict)
    cache_saved_usd: dict[Labels, float] = field(default_factory=dict)
    cache_saved_tokens: dict[Labels, int] = field(default_factory=dict)

    def add(self, finished: Finished) -> None:
        event = finished.event
        model = event.model or ""
        provider = event.provider or ""
        error = event.error_type or ""
        key = (event.surface, model, event.deployment or "", provider, event.status, error)
        self.requests[key] = self.requests.get(key, 0) + 1
        if event.model is not None:
            genai = (finished.operation, provider, model, event.served_model or model)
            _observe(self.duration, (*genai, error), event.latency_ms / 1000, DURATION_BUCKETS)
            if provider and not event.is_error:
                _observe(self.token_usage, (*genai, "input"), event.prompt_tokens, TOKEN_BUCKETS)
                if finished.operation != "embeddings":
                    _observe(self.token_usage, (*genai, "output"), event.completion_tokens, TOKEN_BUCKETS)
                if event.stream and event.ttft_ms is not None:
                    _observe(self.ttft, genai, event.ttft_ms / 1000, TTFT_BUCKETS)
            if event.attempts > 1:
                self.retries[(model,)] = self.retries.get((model,), 0) + event.attempts - 1
            served = event.served_model
            if served is not None and served != model and served != finished.routed_model:
                pair = (model, served)
                self.fallbacks[pair] = self.fallbacks.get(pair, 0) + 1
        if event.key_id is not None and (event.prompt_tokens or event.completion_tokens):
            self._spend(event, model)
        if finished.quota_refusal is not None:
            self.quota_rejections[finished.quota_refusal] = self.quota_rejections.get(finished.quota_refusal, 0) + 1
        if finished.guardrails is not None:
            self._guardrails(finished.guardrails)
        if finished.cache is not None:
            self._cache(finished.cache, (model,))

    def _cache(self, outcome: CacheOutcome, model: Labels) -> None:
        labels = (model[0], outcome.result.replace("-", "_"))
        self.cache_requests[labels] = self.cache_requests.get(labels, 0) + 1
        if outcome.saved_usd:
            self.cache_saved_usd[model] = self.cache_saved_usd.get(model, 0.0) + float(outcome.saved_usd)
        if outcome.saved_tokens:
            self.cache_saved_tokens[model] = self.cache_saved_tokens.get(model, 0) + outcome.saved_tokens

    def _spend(self, event: UsageEvent, model: str) -> None:
        spender = (model, event.key_id, event.team_id or "")
        tokens = self.tokens
        for kind, count in (("input", event.prompt_tokens), ("output", event.completion_tokens)):
            if count:
                labels = (*spender, kind)
                tokens[labels] = tokens.get(labels, 0) + count
        if self.pricing is not None:
            price = self.pricing.price(event.deployment)
            cost = price.cost(event.prompt_tokens, event.completion_tokens, event.cached_tokens)
            if cost:
                self.cost[spender] = self.cost.get(spender, 0.0) + cost

    def _guardrails(self, request: GuardrailRequest) -> None:
        actions = self.guardrail_actions
        for side, applied in (("input", request.applied_input), ("output", request.applied_output)):
            for one in applied:
                outcome = one.outcome
                for policy in outcome.policies() or ("",):
                    labels = (one.guardrail_id, side, outcome.summary, policy)
                    actions[labels] = actions.get(labels, 0) + 1

    def apply(self, metrics: GatewayMetrics) -> None:
        """Add the batch to the families: one prometheus_client call per label set."""
        for counts, counter in (
            (self.requests, metrics.requests),
            (self.tokens, metrics.tokens),
            (self.cost, metrics.cost),
            (self.retries, metrics.retries),
            (self.fallbacks, metrics.fallbacks),
            (self.quota_rejections, metrics.quota_rejections),
            (self.guardrail_actions, metrics.guardrail_actions),
            (self.cache_requests, metrics.cache_requests),
            (self.cache_saved_usd, metrics.cache_saved_usd),
            (self.cache_saved_tokens, metrics.cache_saved_tokens),
        ):
            for labels, amount in counts.items():
                counter.labels(*labels).inc(amount)
        for series, histogram in (
            (self.duration, metrics.duration),
            (self.token_usage, metrics.token_usage),
            (self.ttft, metrics.ttft),
        ):
            for labels, buckets in series.items():
                observe_many(histogram.labels(*labels), buckets.counts, buckets.total)


def _observe(series: dict[Labels, Buckets], labels: Labels, value: float, bounds: tuple[float, ...]) -> None:
    buckets = series.get(labels)
    if buckets is None:
        buckets = series[labels] = Buckets([0] * (len(bounds) + 1))
    buckets.counts[bisect_left(bounds, value)] += 1  # the first bound >= value: Prometheus' `le`
    buckets.total += value
