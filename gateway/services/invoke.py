"""The invoke pipeline: the one path every API surface calls.

authenticate -> resolve model -> [reserve quota] -> [input guardrails] -> route
-> call provider -> [output guardrails] -> [settle quota] -> usage record -> respond

The bracketed stages belong to the tenancy and guardrails issues; they slot in between the
calls below. Only this module knows the order of the stages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from gateway.errors import InvalidRequest, from_provider_error
from gateway.logs import LOG
from gateway.schemas.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
)
from gateway.services.auth import Authenticator
from gateway.services.catalog import DeploymentHandle, ModelCatalog, PublicModel
from gateway.services.context import CallContext, Principal
from gateway.services.routing import Router
from gateway.streaming import ChatStream
from providers.base import CallOptions
from providers.errors import ProviderError, ProviderTimeout, ProviderUpstreamError

T = TypeVar("T")


class InvokeService:
    def __init__(self, catalog: ModelCatalog, auth: Authenticator, router: Router) -> None:
        self.catalog = catalog
        self.auth = auth
        self.router = router

    def _admit(self, call: CallContext, principal: Principal, model_name: str) -> PublicModel:
        model = self.catalog.resolve(model_name, principal)
        call.model = model.name
        return model

    def authenticate(self, call: CallContext, key: str | None) -> Principal:
        """The first stage, separate so surfaces refuse strangers before reading their bodies."""
        call.principal = self.auth.authenticate(key)
        return call.principal

    async def _attempt(
        self,
        call: CallContext,
        model: PublicModel,
        invoke: Callable[[DeploymentHandle, CallOptions], Awaitable[T]],
    ) -> T:
        """Walk the router's plan; move on only on retryable failures."""
        plan = self.router.plan(model)
        last: ProviderError | None = None
        for deployment in plan:
            call.attempts += 1
            call.deployment, call.provider = deployment.id, deployment.provider_type
            timeout = deployment.config.timeouts.total
            try:
                async with asyncio.timeout(timeout):
                    return await invoke(deployment, CallOptions(call.request_id, timeout))
            except TimeoutError:
                last = ProviderTimeout(f"the deployment did not finish within its {timeout:g} s limit")
            except ProviderError as exc:
                last = exc
            _log_failure(call, deployment, last)
            if not last.retryable:
                break
        assert last is not None, "a model always has at least one deployment"
        raise from_provider_error(last)

    async def chat(self, call: CallContext, principal: Principal, request: ChatCompletionRequest) -> ChatCompletion:
        model = self._admit(call, principal, request.model)
        _check_capabilities(model, request)
        completion = await self._attempt(call, model, lambda d, o: d.provider.chat(request, o))
        completion.model = model.name
        call.mark_first_token()
        if completion.usage is not None:
            call.prompt_tokens = completion.usage.prompt_tokens
            call.completion_tokens = completion.usage.completion_tokens
        return completion

    async def chat_stream(self, call: CallContext, principal: Principal, request: ChatCompletionRequest) -> ChatStream:
        """Open the stream and wait for its first chunk, so early failures are plain HTTP errors."""
        model = self._admit(call, principal, request.model)
        _check_capabilities(model, request)
        call.stream = True

        async def open_stream(
            deployment: DeploymentHandle, options: CallOptions
        ) -> tuple[DeploymentHandle, AsyncIterator[ChatCompletionChunk], ChatCompletionChunk]:
            source = aiter(deployment.provider.chat_stream(request, options))
            try:
                first = await anext(source)
            except StopAsyncIteration:
                raise ProviderUpstreamError("the upstream closed the stream without sending anything") from None
            except BaseException:
                await _close(source)
                raise
            return deployment, source, first

        deployment, source, first = await self._attempt(call, model, open_stream)
        return ChatStream(call, request, model.name, deployment, source, first)

    async def embeddings(self, call: CallContext, principal: Principal, request: EmbeddingRequest) -> EmbeddingResponse:
        model = self._admit(call, principal, request.model)
        if not model.capabilities.embeddings:
            raise InvalidRequest(f"The model '{model.name}' does not produce embeddings.", param="model")
        response = await self._attempt(call, model, lambda d, o: d.provider.embed(request, o))
        response.model = model.name
        call.prompt_tokens = response.usage.prompt_tokens
        call.completion_tokens = 0
        return response


def _check_capabilities(model: PublicModel, request: ChatCompletionRequest) -> None:
    caps = model.capabilities
    if not caps.chat:
        raise InvalidRequest(f"The model '{model.name}' does not support chat completions.", param="model")
    if request.tools and request.tool_choice != "none" and not caps.tools:
        raise InvalidRequest(f"The model '{model.name}' does not support tools.", param="tools")


async def _close(source: AsyncIterator[ChatCompletionChunk]) -> None:
    closer = getattr(source, "aclose", None)
    if closer is not None:
        await closer()


def _log_failure(call: CallContext, deployment: DeploymentHandle, error: ProviderError) -> None:
    LOG.warning(
        "deployment failed",
        extra={
            "fields": {
                "request_id": call.request_id,
                "deployment": deployment.id,
                "error": type(error).__name__,
                "detail": error.detail or error.message,
            }
        },
    )
