"""The invoke pipeline: the one path every API surface calls. Only this module knows the order
of the stages:

authenticate -> resolve model (aliases, prompt router) -> input guardrails -> cache lookup (a hit
answers here: services/cache) -> reserve quota -> route and call (retries, pool, fallbacks:
failover.py) -> settle quota (streams: when they end) -> output guardrails (streams: as they flow,
in the relay) -> cache store (streams: when they end normally) -> usage record, metrics,
invocation log (the request boundary, middleware.py, off the path) -> respond

Each stage runs in its own span when tracing is on (gateway/observability/tracing.py: a no-op
otherwise); the call keeps references to its request and answer for the invocation log.

A prompt a guardrail blocks is answered with the guardrail's message: no quota is taken and no model
is called. An answer the output guardrails withhold was still produced, so its tokens are charged.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import replace
from typing import TypeVar

from gateway.errors import ContentPolicyViolation, InvalidRequest, ModelNotFound, from_provider_error
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.guardrails.stage import GuardrailStage, blocked_stream
from gateway.observability.tracing import stage
from gateway.services.auth import Authenticator
from gateway.services.cache.stage import CachePlan, CacheStage, embeddings_uncached, no_cache
from gateway.services.capability_checks import check_chat, check_logprobs_guarded
from gateway.services.catalog import DeploymentHandle, ModelCatalog, PublicModel
from gateway.services.context import CallContext, Principal
from gateway.services.counting import counted_usage
from gateway.services.failover import Attempt, Deadline, DeadlineExceeded, Invoke, run_pool
from gateway.services.prompt_router import PromptRouterService
from gateway.services.quotas import QuotaService, Reservation
from gateway.services.quotas.plan import chat_estimate
from gateway.services.routing import Router
from gateway.services.stream_relay import ChatStream
from gateway.services.token_inputs import as_text
from providers import errors as perr
from providers.base import CallOptions
from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
    Usage,
)

T = TypeVar("T")
Opened = tuple[DeploymentHandle, AsyncIterator[ChatCompletionChunk], ChatCompletionChunk]


class InvokeService:
    def __init__(
        self,
        catalog: ModelCatalog,
        auth: Authenticator,
        router: Router,
        quotas: QuotaService | None = None,
        guardrails: GuardrailStage | None = None,
        cache: CacheStage | None = None,
    ) -> None:
        self.catalog = catalog
        self.cache = cache if cache is not None and cache.on else None  # the response cache (services/cache)
        self.auth = auth
        self.router = router
        self.quotas = quotas or QuotaService(catalog)
        self.guardrails = guardrails or GuardrailStage(None)
        self.prompt_router = PromptRouterService(self._embed_texts)
        for model in catalog:
            router.register(model, model.routing.circuit)

    async def authenticate(self, call: CallContext, key: str | None) -> Principal:
        """The first stage, separate so surfaces refuse strangers before reading their bodies."""
        with stage(call, "authenticate"):
            call.principal = await self.auth.authenticate(key)
        return call.principal

    async def _admit(self, call: CallContext, principal: Principal, request: ChatCompletionRequest) -> PublicModel:
        call.prompt = request  # for the invocation log (masked in place by the input guardrails, if any)
        with stage(call, "resolve"):
            model = self._resolve(call, request.model, principal)
            if model.prompt_router is not None:
                call.routed_model = await self.prompt_router.choose(model.prompt_router, request)
                model = self.catalog.get(call.routed_model)
            check_chat(model, request)
        return model

    def _resolve(self, call: CallContext, name: str, principal: Principal) -> PublicModel:
        """The model asked for; a model of the catalog the key may not call is still named in the
        call's usage record and metrics (a name the catalog does not hold is not: metrics' labels
        stay the catalog's)."""
        try:
            model = self.catalog.resolve(name, principal)
        except ModelNotFound:
            known = self.catalog.find(name)
            call.model = known.name if known is not None else None
            raise
        call.model = model.name
        return model

    def _deadline(self, call: CallContext, model: PublicModel) -> Deadline:
        seconds = model.routing.deadline_s
        if call.deadline_s is not None:
            seconds = min(seconds, call.deadline_s)
        return Deadline.after(seconds)

    async def _serve(self, call: CallContext, model: PublicModel, invoke: Invoke[T], tokens: int = 0) -> Attempt[T]:
        """The model's pool, then the fallbacks its failure calls for; errors leave as StrataErrors."""
        deadline = self._deadline(call, model)
        call.deadline_at = deadline.at  # a stream keeps to it after the pipeline hands it over
        if call.read_timeout_s is not None:  # the client waits this long for a first byte: an answer, a first chunk
            deadline = Deadline(min(deadline.at, time.monotonic() + call.read_timeout_s))
        chain = [model]
        last: perr.ProviderError | None = None
        for position, candidate in enumerate(chain):  # fallbacks join the chain after the first failure
            if position and deadline.remaining() <= 0:
                break
            try:
                result = await run_pool(call, candidate, self.router, invoke, deadline, tokens)
            except perr.ProviderError as error:
                last = error
                if position == 0:
                    chain.extend(self.catalog.get(name) for name in _fallbacks_for(model, error))
                continue
            call.served_model = candidate.name
            return result
        assert last is not None
        raise from_provider_error(last)

    def _fallbacks(self, model: PublicModel) -> list[PublicModel]:
        """The models a call to ``model`` may fail over to (``_serve``): their guardrails apply to it
        from the start, since the prompt may reach them and their answer come back."""
        routing = model.routing
        names = [*routing.fallbacks, *routing.context_window_fallbacks, *routing.content_policy_fallbacks]
        return [self.catalog.get(name) for name in dict.fromkeys(names)] if names else []

    async def chat(self, call: CallContext, principal: Principal, request: ChatCompletionRequest) -> ChatCompletion:
        model = await self._admit(call, principal, request)
        guardrails = await self.guardrails.select(call, principal, model, self._fallbacks(model))
        if guardrails:
            check_logprobs_guarded(request, guardrails)
            with stage(call, "guardrails.input"):
                blocked = await self.guardrails.check_chat_input(call, guardrails, request)
            if blocked is not None:
                call.served_model = model.name
                call.record_usage(Usage())
                call.reply = blocked
                return blocked
        plan = await self._cache_plan(call, principal, request, guardrails)
        if plan is not None and plan.entry is not None and self.cache is not None:
            return await self.cache.answer(call, principal, model, plan)

        async def invoke(deployment: DeploymentHandle, options: CallOptions) -> Attempt[ChatCompletion]:
            completion = await deployment.provider.chat(request, options)
            if completion.usage is None:  # counted here, as a stream without usage is: never billed as 0
                written = [c.message.content or "" for c in completion.choices]
                written += [t.function.arguments for c in completion.choices for t in c.message.tool_calls or ()]
                completion.usage = await counted_usage(deployment, request, "".join(written))
                call.usage_estimated = True
            return Attempt(completion, completion.usage.total_tokens)

        with stage(call, "quota.reserve"):
            held = await self.quotas.reserve_chat(call, principal, model, request)
        attempt = await self._or_release(call, held, self._serve(call, model, invoke, _estimate_tokens(model, request)))
        completion = attempt.value
        completion.model = call.served_model or model.name
        call.mark_first_token()
        if completion.usage is not None:
            call.record_usage(completion.usage, estimated=call.usage_estimated)
        if held is not None:
            await self.quotas.settle(call, held)
        if guardrails:
            with stage(call, "guardrails.output"):
                await self.guardrails.check_chat_output(call, guardrails, completion)
        call.reply = completion
        if plan is not None and self.cache is not None:
            self.cache.keep(call, plan, completion)
        return completion

    async def chat_stream(self, call: CallContext, principal: Principal, request: ChatCompletionRequest) -> ChatStream:
        """Open the stream and wait for its first chunk, so early failures are plain HTTP errors
        and may still fail over; after the first chunk the stream is committed."""
        model = await self._admit(call, principal, request)
        call.stream = True
        guardrails = await self.guardrails.select(call, principal, model, self._fallbacks(model))
        if guardrails:
            check_logprobs_guarded(request, guardrails)
            with stage(call, "guardrails.input"):
                blocked = await self.guardrails.check_chat_input(call, guardrails, request)
            if blocked is not None:
                call.served_model = model.name
                source = aiter(blocked_stream(blocked))
                answer = ChatStream(call, request, model.name, None, source, await anext(source))
                call.reply = answer
                return answer
        plan = await self._cache_plan(call, principal, request, guardrails)
        if plan is not None and plan.entry is not None and self.cache is not None:
            return await self.cache.stream(call, principal, model, request, plan)

        async def open_stream(deployment: DeploymentHandle, options: CallOptions) -> Attempt[Opened]:
            source = aiter(deployment.provider.chat_stream(request, options))
            try:
                first = await _first_chunk(source, deployment.config.timeouts.first_chunk)
            except BaseException:
                await _close(source)
                raise
            return Attempt((deployment, source, first), open=True)

        with stage(call, "quota.reserve"):
            held = await self.quotas.reserve_chat(call, principal, model, request)
        attempt = await self._or_release(
            call, held, self._serve(call, model, open_stream, _estimate_tokens(model, request))
        )
        (deployment, source, first), ticket = attempt.value, attempt.ticket
        settle = functools.partial(self.quotas.settle, call, held) if held is not None else None
        guard = self.guardrails.stream_guard(call, guardrails, request.n or 1) if guardrails else None
        public = call.served_model or model.name
        recorder = self.cache.recorder(call, plan) if plan is not None and self.cache is not None else None
        stream = ChatStream(
            call, request, public, deployment, source, first, ticket, on_close=settle, guard=guard, recorder=recorder
        )
        call.reply = stream  # for the invocation log: the text it sent, once it ended
        return stream

    async def _cache_plan(
        self,
        call: CallContext,
        principal: Principal,
        request: ChatCompletionRequest,
        guardrails: Sequence[CompiledGuardrail],
    ) -> CachePlan | None:
        if self.cache is None:
            no_cache(call)
            return None
        return await self.cache.lookup(call, principal, request, guardrails)

    async def embeddings(self, call: CallContext, principal: Principal, request: EmbeddingRequest) -> EmbeddingResponse:
        call.operation, call.prompt = "embeddings", request
        with stage(call, "resolve"):
            model = self._resolve(call, request.model, principal)
        if not model.capabilities.embeddings:
            raise InvalidRequest(f"The model '{model.name}' does not produce embeddings.", param="model")
        guardrails = await self.guardrails.select(call, principal, model, self._fallbacks(model))
        as_text(request, model, guarded=bool(guardrails))  # token ids: decoded where they would not be understood
        if guardrails:
            with stage(call, "guardrails.input"):
                blocked = await self.guardrails.check_embeddings_input(call, guardrails, request)
            if blocked is not None:
                raise ContentPolicyViolation(blocked, code="guardrail_intervened")
        embeddings_uncached(call)  # the cache lookup's place: only-if-cached is a 504 here
        with stage(call, "quota.reserve"):
            held = await self.quotas.reserve_embeddings(call, principal, model, request)
        response = (await self._or_release(call, held, self._serve(call, model, _embed_invoke(request)))).value
        response.model = call.served_model or model.name
        call.record_usage(response.usage)
        if held is not None:
            await self.quotas.settle(call, held)
        call.reply = response
        return response

    async def _or_release(self, call: CallContext, held: Reservation | None, work: Awaitable[T]) -> T:
        """Await the call; if it fails, settle its reservation at what it used (usually nothing)."""
        try:
            return await work
        except BaseException:
            await self.quotas.settle(call, held, failed=True)
            raise

    async def _embed_texts(self, model_name: str, texts: list[str]) -> list[list[float]]:
        """Embeddings for internal use (the prompt router's classifier), through the same pools."""
        call = CallContext(request_id="prompt-router", surface="internal")
        request = EmbeddingRequest(model=model_name, input=texts, encoding_format="float")
        response = (await self._serve(call, self.catalog.get(model_name), _embed_invoke(request, cut=True))).value
        return [
            list(item.embedding)
            for item in sorted(response.data, key=lambda e: e.index)
            if isinstance(item.embedding, list)
        ]


def _embed_invoke(request: EmbeddingRequest, cut: bool = False) -> Invoke[EmbeddingResponse]:
    """``cut``: the gateway's own embeddings (the prompt router's), whose long texts are cut, not refused."""

    async def invoke(deployment: DeploymentHandle, options: CallOptions) -> Attempt[EmbeddingResponse]:
        response = await deployment.provider.embed(request, replace(options, truncate_input=cut))
        return Attempt(response, response.usage.total_tokens)

    return invoke


def _fallbacks_for(model: PublicModel, error: perr.ProviderError) -> list[str]:
    routing = model.routing
    if isinstance(error, perr.ContextWindowExceeded):
        return routing.context_window_fallbacks
    if isinstance(error, perr.ContentPolicyViolation):
        return routing.content_policy_fallbacks
    if isinstance(error, DeadlineExceeded):
        return []
    overloaded = isinstance(error, perr.ProviderRateLimited | perr.ProviderUnavailable)
    if not (error.retryable or error.misconfigured or overloaded):  # the request's own fault: no fallback helps
        return []
    return routing.fallbacks


def _estimate_tokens(model: PublicModel, request: ChatCompletionRequest) -> int:
    """The quota estimate, for deployments with token-per-minute limits (skipped when none has one)."""
    if not any(d.config.tpm for d in model.deployments):
        return 0
    return sum(chat_estimate(request, model.estimated_output_tokens))


async def _first_chunk(source: AsyncIterator[ChatCompletionChunk], limit: float) -> ChatCompletionChunk:
    try:
        async with asyncio.timeout(limit):
            return await anext(source)
    except StopAsyncIteration:
        raise perr.ProviderUpstreamError("The upstream closed the stream without sending anything.") from None
    except TimeoutError:
        raise perr.ProviderTimeout(f"The model sent nothing within {limit:g} s.") from None


async def _close(source: AsyncIterator[ChatCompletionChunk]) -> None:
    closer = getattr(source, "aclose", None)
    if closer is not None:
        await closer()
