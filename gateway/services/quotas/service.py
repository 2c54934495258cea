"""QuotaService: the pipeline's [reserve quota] and [settle quota] stages.

``reserve`` runs after the model is resolved and before anything is routed: it works out which
scopes limit this call (key-and-model, key, team, model), estimates what the call will take
(tokens from the prompt and ``max_tokens``; cost from the pool's dearest deployment), and takes it
from every scope at once, or refuses with a 429 naming the limit. ``settle`` runs exactly once
when the call ends, however it ends: it replaces the estimates with the real counts (refunds are
exact) and frees the concurrency slot.

The hot path stays cheap: a call no limit applies to costs a few attribute reads; otherwise one
store call to take and at most one to settle (none when nothing changed and no slot is held).
The in-process store is dict arithmetic. With Redis, a take is one EVALSHA, and most takes none:
each process spends capacity it took ahead (allowance.py), never more in all than the limit. When Redis cannot be
reached, ``quota_redis_failure`` says what happens: ``local`` enforces the limits per process
(flagged in /health/ready and the log), ``refuse`` answers 503 to calls that have limits.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP
from typing import Any, Literal

from gateway.errors import ServiceUnavailable
from gateway.logs import LOG
from gateway.services.catalog import ModelCatalog, PublicModel
from gateway.services.context import CallContext, Principal
from gateway.services.pricing import PriceTable
from gateway.services.quotas import plan
from gateway.services.quotas.base import (
    CONCURRENT,
    MAX_AMOUNT,
    RPM,
    TPM,
    Check,
    QuotaStore,
    Reservation,
    Scope,
    usd_to_micros,
)
from gateway.services.quotas.memory import MemoryStore
from gateway.services.quotas.redis_backend import KEY_PREFIX, RedisStore
from gateway.services.quotas.report import rate_limit_headers, refusal, refused, scope_kind
from providers.canonical import ChatCompletionRequest, EmbeddingRequest

OnRedisFailure = Literal["local", "refuse"]
LEASE_MARGIN_S = 30  # a concurrency slot outlives the longest a call may take by this much
REFUSE_RETRY_AFTER_S = 5.0
DEFAULT_PREFETCH_CALLS = 16  # see allowance.py; the setting quota_prefetch_calls


class QuotaService:
    def __init__(
        self,
        catalog: ModelCatalog,
        pricing: PriceTable | None = None,
        redis_url: str | None = None,
        on_redis_failure: OnRedisFailure = "local",
        clock: Callable[[], float] = time.time,
        key_prefix: str = KEY_PREFIX,
        prefetch_calls: int = DEFAULT_PREFETCH_CALLS,
    ) -> None:
        self.local = MemoryStore()
        self.redis = RedisStore(redis_url, key_prefix, prefetch_calls=prefetch_calls) if redis_url else None
        self.on_redis_failure: OnRedisFailure = on_redis_failure
        self._pricing = pricing
        self._clock = clock
        self._tag = os.urandom(4).hex()  # leases are unique across processes sharing Redis
        self._leases = itertools.count(1)
        # Per public model, fixed at start: its own scope (None: no model limits) and how long
        # a concurrency slot may be held (the longest the call may take, plus a margin).
        self._models: dict[str, tuple[Scope | None, int]] = {m.name: _model_entry(m) for m in catalog}

    async def start(self) -> None:
        if self.redis is not None:
            await self.redis.start()

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

    def status(self) -> dict[str, Any]:
        """For /health/ready: which store enforces limits, and whether it is the one configured."""
        if self.redis is None:
            return {"backend": "memory", "state": "ok"}
        if self.redis.healthy:
            return {"backend": "redis", "state": "ok"}
        state = "degraded (per-process limits)" if self.on_redis_failure == "local" else "refusing limited calls"
        return {"backend": "redis", "state": state, "error": self.redis.last_error}

    # ------------------------------------------------------------ reserve

    def scopes(self, principal: Principal, model: PublicModel, requested: str | None = None) -> list[Scope]:
        """Every scope limiting this call, most specific first; empty means no limits at all."""
        names = [model.name] if requested is None or requested == model.name else [requested, model.name]
        scopes = plan.principal_scopes(principal, names)
        for name in names:
            entry = self._models.get(name)
            if entry is not None and entry[0] is not None:
                scopes.append(entry[0])
        return scopes

    async def reserve_chat(
        self, call: CallContext, principal: Principal, model: PublicModel, request: ChatCompletionRequest
    ) -> Reservation | None:
        scopes = self.scopes(principal, model, call.model)
        if not scopes:
            return None  # the fast path: nothing to count
        tokens = cost = 0
        need_tokens, need_cost = plan.needs(scopes)
        if need_tokens:
            prompt = await _prompt_tokens(model, request)
            completion = plan.output_estimate(request, model.estimated_output_tokens)
            tokens = min(prompt + completion, MAX_AMOUNT)
            if need_cost and self._pricing is not None:
                cost = usd_to_micros(self._pricing.estimate(model, prompt, completion))
        return await self._take(call, scopes, model, tokens, cost)

    async def reserve_embeddings(
        self, call: CallContext, principal: Principal, model: PublicModel, request: EmbeddingRequest
    ) -> Reservation | None:
        scopes = self.scopes(principal, model, call.model)
        if not scopes:
            return None
        tokens = cost = 0
        need_tokens, need_cost = plan.needs(scopes)
        if need_tokens:
            tokens = plan.embeddings_estimate(request)
            if need_cost and self._pricing is not None:
                cost = usd_to_micros(self._pricing.estimate(model, tokens, 0))
        return await self._take(call, scopes, model, tokens, cost)

    async def reserve(
        self,
        call: CallContext,
        principal: Principal,
        model: PublicModel,
        estimated_tokens: int,
        estimated_cost: float,
    ) -> Reservation | None:
        """Take ``estimated_tokens`` and ``estimated_cost`` USD (plus one request and one slot) from
        every scope limiting this call, or raise RateLimited. None when no limits apply."""
        scopes = self.scopes(principal, model, call.model)
        if not scopes:
            return None
        return await self._take(call, scopes, model, estimated_tokens, usd_to_micros(estimated_cost))

    async def _take(
        self, call: CallContext, scopes: list[Scope], model: PublicModel, tokens: int, cost: int
    ) -> Reservation:
        now = self._clock()
        entry = self._models.get(model.name)
        lease_s = entry[1] if entry is not None else _lease_s(model)
        checks = plan.build_checks(scopes, now, tokens, cost, lease_s)
        lease = f"{self._tag}:{next(self._leases)}"
        store = self._store()
        try:
            decision = await store.take(checks, lease, now)
        except Exception as exc:  # boundary: a store failure must never become a 500
            if self.redis is None or store is not self.redis:
                raise
            # If Redis ran the script but the reply was lost, it holds this take until the window
            # (or lease) expires: counting a call twice errs on the safe side.
            self.redis.failed(exc)
            store = self._store()
            decision = await store.take(checks, lease, now)
        if store is not self.local:
            self.local.observe(checks, decision)  # the fallback starts where the shared count was
        call.rate_limit_headers = rate_limit_headers(checks, decision, now)
        if not decision.granted:
            limit = refused(checks, decision)[0]
            call.quota_refusal = (scope_kind(limit), limit.kind)  # for the metrics
            raise refusal(checks, decision, now)
        return Reservation(store, checks, lease)

    def _store(self) -> QuotaStore:
        redis = self.redis
        if redis is None:
            return self.local
        if redis.healthy:
            return redis
        if self.on_redis_failure == "refuse":
            raise ServiceUnavailable(
                "Limits cannot be checked right now: the quota store (Redis) is unreachable.",
                retry_after=REFUSE_RETRY_AFTER_S,
            )
        return self.local

    # ------------------------------------------------------------ settle

    async def settle(self, call: CallContext, reservation: Reservation | None, *, failed: bool = False) -> None:
        """Replace the estimates with what the call used (``call.prompt_tokens`` / ``completion_tokens``
        and the answering deployment's price) and free the slot. Idempotent; never raises.

        A failed call settles at what it counted, usually nothing. A successful call whose usage is
        unknown keeps its estimates: better to count too much than to refund what was spent."""
        if reservation is None or reservation.settled:
            return
        reservation.settled = True
        adjustments = self._adjustments(call, reservation.checks, failed)
        if not adjustments:
            return
        store = reservation.store
        try:
            await store.settle(adjustments, reservation.lease)
        except Exception as exc:  # boundary: counters expire on their own; the call's answer stands
            if self.redis is not None and store is self.redis:
                self.redis.failed(exc)
            LOG.warning(
                "quota settlement failed", extra={"fields": {"request_id": call.request_id, "error": repr(exc)}}
            )

    def _adjustments(self, call: CallContext, checks: tuple[Check, ...], failed: bool) -> list[tuple[Check, int]]:
        prompt, completion = call.prompt_tokens, call.completion_tokens
        known = failed or prompt is not None or completion is not None
        tokens = (prompt or 0) + (completion or 0)
        cost: int | None = None
        adjustments: list[tuple[Check, int]] = []
        for check in checks:
            kind = check.kind
            if kind == CONCURRENT:
                adjustments.append((check, 0))
                continue
            if kind == RPM or not known:
                continue
            if kind == TPM:
                delta = tokens - check.amount
            else:
                if cost is None:
                    cost = self._cost_micros(call.deployment, prompt or 0, completion or 0)
                delta = cost - check.amount
            if delta:
                adjustments.append((check, delta))
        return adjustments

    def _cost_micros(self, deployment: str | None, prompt: int, completion: int) -> int:
        if self._pricing is None or (prompt == 0 and completion == 0):
            return 0
        usd = self._pricing.cost(deployment, prompt, completion)
        return int((usd * 1_000_000).to_integral_value(ROUND_HALF_UP))


async def _prompt_tokens(model: PublicModel, request: ChatCompletionRequest) -> int:
    """The prompt's tokens by the pool's tokenizer (its first deployment's: pools share a model),
    so that a reservation is not short for text that tokenizes densely (code, CJK). Counting costs
    ~2 us for a short prompt, ~2 ms for 90,000 characters (tiktoken); a local model's count is a
    message to its worker, answered at once between decode steps (no timer around it: asyncio.timeout
    alone cost twice the count). Any failure (a model still loading) falls back to characters / 4."""
    if not model.deployments:
        return plan.prompt_estimate(request)
    try:
        return await model.deployments[0].provider.count_tokens(request)
    except Exception:  # boundary: an estimate must never fail the call
        return plan.prompt_estimate(request)


def _lease_s(model: PublicModel) -> int:
    longest = max((d.config.timeouts.total for d in model.deployments), default=0.0)
    return int(max(model.routing.deadline_s, longest)) + LEASE_MARGIN_S


def _model_entry(model: PublicModel) -> tuple[Scope | None, int]:
    return plan.model_scope(model.name, model.limits), _lease_s(model)
