"""Counting a prompt's tokens without running the model (Bedrock's CountTokens).

The caller is already authenticated; the model is resolved as the pipeline resolves it, and the
first deployment of its pool counts with its own tokenizer (a pool serves one model, so any of
its deployments counts the same). Nothing is called upstream and no quota is spent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from gateway.errors import InvalidRequest
from gateway.services.catalog import DeploymentHandle, ModelCatalog
from gateway.services.context import CallContext, Principal
from providers.canonical import ChatCompletionRequest, EmbeddingRequest, Usage
from providers.tokens import count_text, count_text_async


async def count_prompt_tokens(
    catalog: ModelCatalog, call: CallContext, principal: Principal, request: ChatCompletionRequest | EmbeddingRequest
) -> int:
    model = catalog.resolve(request.model, principal)
    call.model = model.name
    # What the model could not be asked is not counted either (as the call itself would be a 400).
    if isinstance(request, EmbeddingRequest) and not model.capabilities.embeddings:
        raise InvalidRequest(f"The model '{model.name}' does not produce embeddings.", param="model")
    if isinstance(request, ChatCompletionRequest) and not model.capabilities.chat:
        raise InvalidRequest(f"The model '{model.name}' does not support chat completions.", param="model")
    if not model.deployments:  # a routed model has no pool of its own: count as the tokenizer-less do
        return _count_texts(request, "")
    deployment = model.deployments[0]
    if isinstance(request, EmbeddingRequest):
        return _count_texts(request, deployment.config.model)
    return await deployment.provider.count_tokens(request)


T = TypeVar("T")


async def while_counting(
    start: Awaitable[T], catalog: ModelCatalog, call: CallContext, principal: Principal, request: ChatCompletionRequest
) -> tuple[T, int]:
    """``start`` (an upstream stream opening) awaited while the prompt's tokens are counted, for a
    stream's first event (Anthropic's message_start): an OpenAI-style upstream says its count only
    at the end. The count is a courtesy: one that fails is 0, never the reason a stream fails."""
    counting = asyncio.create_task(_count_or_zero(catalog, call, principal, request))
    try:
        started = await start
    except BaseException:
        counting.cancel()
        raise
    if call.guardrails is not None and call.guardrails.input_blocked:  # no model read it: nothing charged
        counting.cancel()
        return started, 0
    return started, await counting


async def _count_or_zero(
    catalog: ModelCatalog, call: CallContext, principal: Principal, request: ChatCompletionRequest
) -> int:
    try:
        return await count_prompt_tokens(catalog, call, principal, request)
    except Exception:
        return 0


def _count_texts(request: ChatCompletionRequest | EmbeddingRequest, upstream_model: str) -> int:
    if isinstance(request, EmbeddingRequest):
        return sum(count_text(text, upstream_model) for text in request.texts())
    return sum(count_text(message.text(), upstream_model) for message in request.messages)


async def counted_usage(deployment: DeploymentHandle, request: ChatCompletionRequest, written: str) -> Usage:
    """Usage for an upstream that sent none (streamed or not): the prompt counted by the
    deployment's provider, what it wrote by tiktoken."""
    prompt = await deployment.provider.count_tokens(request)
    answer = await count_text_async(written, deployment.config.model)
    return Usage(prompt_tokens=prompt, completion_tokens=answer, total_tokens=prompt + answer)
