"""The response cache as a pipeline stage: ``lookup`` after the input guardrails and before the
quota, ``answer``/``stream`` to serve a hit, ``keep``/``recorder`` to store what the caller got.

Models without ``cache:`` pay one dict lookup (``lookup`` returns None at once). What is cached:
requests that do not sample (temperature 0, n 1), unless the model says ``temperature: true``
(an unset temperature samples: OpenAI's default is 1). Tool calls are answers like any other.
Only complete answers are kept: every choice finished with stop, length or tool_calls, no
guardrail blocked it, no error, no cut stream.

A hit records no upstream tokens and no cost, ``cache`` "hit" (or "semantic-hit") and what the
original call cost (``saved_usd``); quotas take what the model's ``quota`` says (requests: one
request and a concurrency slot, no tokens; none: nothing; full: as much as the original call).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from gateway.background import Background
from gateway.config.cache import CacheConfig
from gateway.errors import NotCached
from gateway.guardrails import replayed as kept_guardrails
from gateway.guardrails.stage import record as record_guardrails
from gateway.observability.tracing import stage
from gateway.services.cache import keys
from gateway.services.cache.clears import CacheClears
from gateway.services.cache.directives import NO_READ, NO_STORE, ONLY_IF_CACHED
from gateway.services.cache.entry import BadEntry, CacheEntry
from gateway.services.cache.outcome import CacheOutcome, Result
from gateway.services.cache.recorder import STORABLE, StreamRecorder
from gateway.services.cache.replay import chunks_of, completion_of, replayed
from gateway.services.cache.semantic import SemanticCache
from gateway.services.cache.semantic_guard import Facts
from gateway.services.cache.store import CacheStore
from gateway.services.context import CallContext, Principal
from gateway.services.stream_relay import ChatStream
from providers.canonical import ChatCompletion, ChatCompletionRequest, Usage

if TYPE_CHECKING:
    from gateway.services.catalog import ModelCatalog, PublicModel
    from gateway.services.pricing import PriceTable
    from gateway.services.quotas import QuotaService, Reservation


@dataclass(slots=True)
class CachePlan:
    """One call's cache work: its key, whether to store, and the hit when there was one."""

    config: CacheConfig
    key: str
    store: bool
    partition: str | None = None  # semantic mode, a plain-text last user message
    text: str | None = None
    vector: list[float] | None = None
    text_facts: Facts | None = None  # the near-miss guard's reading of text, once made
    entry: CacheEntry | None = None


class CacheStage:
    def __init__(
        self,
        catalog: ModelCatalog,
        store: CacheStore,
        quotas: QuotaService,
        pricing: PriceTable | None = None,
        semantic: SemanticCache | None = None,
        clears: CacheClears | None = None,
    ) -> None:
        self.store = store
        self.semantic = semantic
        self._clears = clears  # without Redis: clears told to, and read from, the other processes
        self._quotas = quotas
        self._pricing = pricing
        self._configs = {m.name: m.cache for m in catalog if m.cache is not None}
        self._background = Background("response cache")  # stores, written off the request path

    @property
    def on(self) -> bool:
        return bool(self._configs)

    # ------------------------------------------------------------ lookup

    async def lookup(
        self, call: CallContext, principal: Principal, request: ChatCompletionRequest, guardrails: Sequence[Any]
    ) -> CachePlan | None:
        """The call's plan (None: the model has no cache, or this request is not cacheable); a hit
        is ``plan.entry``. A miss under ``only-if-cached`` is a 504."""
        config = self._configs.get(call.model or "")
        if config is None:
            no_cache(call)
            return None
        flags = call.cache_directives
        if not _cacheable(config, request):
            call.cache = CacheOutcome("bypass")
            if flags & ONLY_IF_CACHED:
                raise _not_cached("this request samples (temperature > 0 or unset, or n > 1), so it is never cached")
            return None
        model = call.model or ""
        scope = keys.scope_of(principal, config.shared)
        plan = CachePlan(config, keys.exact_key(model, scope, request, guardrails), not flags & NO_STORE)
        if config.mode == "semantic":
            found = keys.last_user_text(request)
            if found is not None:
                plan.partition = keys.semantic_partition(model, scope, request, guardrails, found[0])
                plan.text = found[1]
        if flags & NO_READ:
            call.cache = CacheOutcome("bypass")
            return plan
        with stage(call, "cache.lookup"):
            call.cache = await self._find(plan)
        if plan.entry is None and flags & ONLY_IF_CACHED:
            raise _not_cached("no cached answer for this request")
        return plan

    async def _find(self, plan: CachePlan) -> CacheOutcome:
        entry = _decoded(await self.store.get(plan.key))
        similarity = None
        if entry is None and plan.partition is not None and self.semantic is not None:
            entry, similarity = await self._find_similar(plan)
        if entry is None:
            return CacheOutcome("miss")
        plan.entry = entry
        result: Result = "hit" if similarity is None else "semantic-hit"
        age = time.time() - entry.stored_at
        return CacheOutcome(result, similarity, age, entry.cost, entry.tokens)

    async def _find_similar(self, plan: CachePlan) -> tuple[CacheEntry | None, float | None]:
        assert self.semantic is not None and plan.partition is not None and plan.text is not None
        model = plan.config.embedding_model
        plan.vector, plan.text_facts = await self.semantic.read(model, plan.text)
        if plan.vector is None:
            return None, None
        now = time.time()
        found = self.semantic.nearest(
            model, plan.partition, plan.vector, plan.config.threshold, now, plan.text, plan.text_facts
        )
        if found is None:
            return None, None
        entry = _decoded(await self.store.get(found[0]))
        if entry is None:  # expired or evicted from the store: the index forgets it
            self.semantic.discard(model, found[0])
            return None, None
        return entry, found[1]

    # ------------------------------------------------------------ serve a hit

    async def answer(
        self, call: CallContext, principal: Principal, model: PublicModel, plan: CachePlan
    ) -> ChatCompletion:
        assert plan.entry is not None
        held = await self._take(call, principal, model, plan)
        completion = completion_of(plan.entry, self._served(call, plan.entry))
        call.mark_first_token()
        await self._quotas.settle(call, held)  # token counts unknown: requests keeps 0, full its charge
        call.reply = completion
        return completion

    async def stream(
        self,
        call: CallContext,
        principal: Principal,
        model: PublicModel,
        request: ChatCompletionRequest,
        plan: CachePlan,
    ) -> ChatStream:
        assert plan.entry is not None
        held = await self._take(call, principal, model, plan)
        served = self._served(call, plan.entry)
        source = replayed(chunks_of(plan.entry, served))
        stream = ChatStream(call, request, served, None, source, await anext(source), on_close=self._closer(call, held))
        call.reply = stream
        return stream

    def _served(self, call: CallContext, entry: CacheEntry) -> str:
        call.served_model = entry.served_model or call.model
        call.provider = "cache"
        if call.guardrails is not None and entry.guardrails:  # what the output guardrails did to it
            call.guardrails.applied_output = kept_guardrails.replayed(entry.guardrails)
            record_guardrails(call)
        return call.served_model or ""

    def _closer(self, call: CallContext, held: Reservation | None) -> Callable[[], Awaitable[None]]:
        async def close() -> None:
            # The relay recorded the replayed usage: a hit's record says no upstream tokens.
            call.prompt_tokens = call.completion_tokens = call.cached_tokens = None
            call.usage_estimated = False
            await self._quotas.settle(call, held)

        return close

    async def _take(
        self, call: CallContext, principal: Principal, model: PublicModel, plan: CachePlan
    ) -> Reservation | None:
        entry, quota = plan.entry, plan.config.quota
        assert entry is not None
        if quota == "none":
            return None
        with stage(call, "quota.reserve"):
            try:
                if quota == "requests":
                    return await self._quotas.reserve(call, principal, model, 0, 0.0)
                return await self._quotas.reserve(call, principal, model, entry.tokens, float(entry.cost))
            except BaseException:
                call.cache = None  # refused: no answer was served, so no "hit" either
                raise

    # ------------------------------------------------------------ store

    def keep(self, call: CallContext, plan: CachePlan, completion: ChatCompletion) -> None:
        """Store a complete answer as the caller gets it (serialised now: surfaces may add to it)."""
        if not plan.store or _blocked(call) or not completion.choices:
            return
        if any(choice.finish_reason not in STORABLE for choice in completion.choices):
            return
        body = completion.__pydantic_serializer__.to_json(completion, exclude_unset=True)
        self._save(call, plan, "completion", body, completion.usage)

    def recorder(self, call: CallContext, plan: CachePlan) -> StreamRecorder | None:
        """What the relay hands a stream's chunks to, when its answer may be kept."""
        if not plan.store:
            return None

        def save(body: bytes, usage: Usage | None) -> None:
            if not _blocked(call):
                self._save(call, plan, "chunks", body, usage)

        return StreamRecorder(save)

    def _save(self, call: CallContext, plan: CachePlan, kind: str, body: bytes, usage: Usage | None) -> None:
        prompt = usage.prompt_tokens if usage is not None else 0
        completion = usage.completion_tokens if usage is not None else 0
        cached = usage.cached_prompt_tokens() if usage is not None else 0
        cost = self._pricing.cost(call.deployment, prompt, completion, cached) if self._pricing else Decimal(0)
        served = call.served_model or call.model
        now = time.time()
        outcomes = kept_guardrails.kept(call.guardrails.applied_output) if call.guardrails is not None else []
        entry = CacheEntry(kind, body, served, call.deployment, prompt, completion, cached, str(cost), now, outcomes)  # type: ignore[arg-type]
        self._background.spawn(self.store.put(plan.key, entry.encode(), plan.config.ttl_s), "cache-store")
        if plan.partition is not None and self.semantic is not None:
            self._background.spawn(self._index(plan, now + plan.config.ttl_s), "cache-index")

    async def _index(self, plan: CachePlan, expires_at: float) -> None:
        assert self.semantic is not None and plan.partition is not None and plan.text is not None
        model = plan.config.embedding_model
        vector = plan.vector or await self.semantic.vector(model, plan.text, wait=True)
        if vector is not None:
            self.semantic.add(model, plan.partition, vector, plan.key, expires_at, plan.text, plan.text_facts)

    # ------------------------------------------------------------ admin

    async def clear(self, model: str | None, team: str | None) -> dict[str, int]:
        """DELETE /admin/cache: a model's entries, a team's, both, or all; here, then everywhere."""
        dropped = await self._clear_here(model, team)
        if self._clears is not None:
            await self._clears.record(model, team)
        return dropped

    async def _clear_here(self, model: str | None, team: str | None) -> dict[str, int]:
        scope = keys.team_scope(team) if team is not None else None
        deleted = await self.store.delete(keys.model_part(model) if model is not None else None, scope)
        semantic = 0
        if self.semantic is not None:
            if model is None and scope is not None:
                prefixes: list[str | None] = [keys.partition_prefix(name, scope) for name in self._configs]
            else:
                prefixes = [keys.partition_prefix(model, scope)]
            semantic = await self.semantic.clear(prefixes)
        return {"deleted": deleted, "semantic_deleted": semantic}

    def start(self) -> None:
        if self.semantic is not None:
            self.semantic.start()
        if self._clears is not None:
            self._clears.start(self._clear_here)

    async def aclose(self) -> None:
        await self._background.drain(1.0)  # answers being stored: worth a moment at shutdown
        if self._clears is not None:
            await self._clears.aclose()
        if self.semantic is not None:
            await self.semantic.aclose()
        await self.store.aclose()


def _cacheable(config: CacheConfig, request: ChatCompletionRequest) -> bool:
    if config.temperature:
        return True
    return request.temperature == 0 and (request.n is None or request.n == 1)


def _blocked(call: CallContext) -> bool:
    request = call.guardrails
    return request is not None and any(a.outcome.blocked for a in (*request.applied_input, *request.applied_output))


def _decoded(data: bytes | None) -> CacheEntry | None:
    if data is None:
        return None
    try:
        return CacheEntry.decode(data)
    except BadEntry:
        return None


def no_cache(call: CallContext) -> None:
    """For a model without a response cache: no plan, and ``only-if-cached`` a 504 (nothing is
    cached for it, and the model must not be asked)."""
    if call.cache_directives & ONLY_IF_CACHED:
        raise _not_cached(f"model {call.model!r} has no response cache")


def embeddings_uncached(call: CallContext) -> None:
    """Embeddings are never cached: ``only-if-cached`` is always a 504 there (the model must not
    be asked); ``no-cache``, ``no-store`` and ``bypass`` have nothing to skip."""
    if call.cache_directives & ONLY_IF_CACHED:
        raise _not_cached("embeddings are never cached")


def _not_cached(why: str) -> NotCached:
    return NotCached(f"only-if-cached: {why}.", code="not_cached")
