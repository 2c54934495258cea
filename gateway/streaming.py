"""The stream relay: passes chunks from a provider to a surface as they arrive.

It renames the model to its public name, counts usage (the upstream's, or counted when the
upstream sends none), hides the usage chunk from callers that did not ask for it, bounds the
whole stream by the deployment's time limit, and closes the upstream when the caller goes away.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from gateway.errors import StrataError, from_provider_error
from gateway.schemas.canonical import ChatCompletionChunk, ChatCompletionRequest, Usage
from gateway.services.catalog import DeploymentHandle
from gateway.services.context import CallContext
from gateway.services.routing import Ticket
from providers.errors import ProviderError, ProviderTimeout
from providers.tokens import count_text


class ChatStream:
    def __init__(
        self,
        call: CallContext,
        request: ChatCompletionRequest,
        public_model: str,
        deployment: DeploymentHandle,
        source: AsyncIterator[ChatCompletionChunk],
        first: ChatCompletionChunk,
        ticket: Ticket | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.call = call
        self._ticket = ticket
        self._on_close = on_close  # the quota stage's settlement: runs once, however the stream ends
        self._request = request
        self._model = public_model
        self._deployment = deployment
        self._source = source
        self._first: ChatCompletionChunk | None = first
        self._include_usage = request.wants_stream_usage()
        own = time.monotonic() + deployment.config.timeouts.total
        self._deadline = own if call.deadline_at is None else min(own, call.deadline_at)
        self._text: list[str] = []
        self.usage: Usage | None = None
        self._last = first
        self._closed = False

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._relay()

    async def _next(self) -> ChatCompletionChunk:
        if self._first is not None:
            chunk, self._first = self._first, None
            return chunk
        remaining = self._deadline - time.monotonic()
        try:
            async with asyncio.timeout(remaining):
                return await anext(self._source)
        except TimeoutError:
            raise ProviderTimeout("The stream did not finish within the request's time limit.") from None

    async def _relay(self) -> AsyncIterator[ChatCompletionChunk]:
        try:
            while True:
                try:
                    chunk = await self._next()
                except StopAsyncIteration:
                    if self.usage is None and self._include_usage:
                        yield await self._counted_usage_chunk()
                    self._report(None)
                    break
                except ProviderError as exc:
                    self._report(exc)
                    raise from_provider_error(exc) from None
                self.call.mark_first_token()
                if chunk.usage is not None:
                    self.usage = chunk.usage
                    if not self._include_usage and not chunk.choices:
                        continue
                if not self._include_usage:
                    # Strata always asks upstreams for usage; a caller that did not sees none of it.
                    chunk.usage = None
                    chunk.__pydantic_fields_set__.discard("usage")
                for choice in chunk.choices:
                    if choice.delta.content:
                        self._text.append(choice.delta.content)
                chunk.model = self._model
                self._last = chunk
                yield chunk
        except StrataError as exc:
            self.call.error_type = exc.type
            raise
        finally:
            await self.aclose()

    def _report(self, error: ProviderError | None) -> None:
        """Tell the router how the deployment did (a stream is judged when it ends)."""
        if self._ticket is None:
            return
        if error is None:
            self._ticket.succeeded(self.usage.total_tokens if self.usage else 0)
        else:
            self._ticket.failed(error)

    async def aclose(self) -> None:
        """Close the upstream (idempotent) and settle the call's token counts."""
        if self._closed:
            return
        self._closed = True
        if self._ticket is not None:
            self._ticket.abandoned()  # no-op when an outcome was already reported
        try:
            closer = getattr(self._source, "aclose", None)
            if closer is not None:
                await closer()
            await self._settle_usage()
        finally:
            if self._on_close is not None:
                await self._on_close()

    async def _count_usage(self) -> Usage:
        """Usage for upstreams that send none: the prompt by the provider, the reply by tiktoken."""
        self.call.usage_estimated = True
        prompt = await self._deployment.provider.count_tokens(self._request)
        completion = count_text("".join(self._text), self._deployment.config.model)
        return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)

    async def _counted_usage_chunk(self) -> ChatCompletionChunk:
        self.usage = await self._count_usage()
        return ChatCompletionChunk(
            id=self._last.id, created=self._last.created, model=self._model, choices=[], usage=self.usage
        )

    async def _settle_usage(self) -> None:
        usage = self.usage or await self._count_usage()
        self.call.prompt_tokens = usage.prompt_tokens
        self.call.completion_tokens = usage.completion_tokens
        self.call.cached_tokens = usage.cached_prompt_tokens()
