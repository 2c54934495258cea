"""The stream relay: the pipeline stage that passes a provider's chunks to a surface as they arrive.

It renames the model to its public name, counts usage (the upstream's, or counted from what was
sent when the upstream sends none), hides the usage chunk from callers that did not ask for it,
bounds the whole stream by the deployment's time limit, closes the upstream when the caller goes
away, and reports the stream's outcome to the router when it ends (the attempt's ticket).

``encode`` is the one stream terminator every surface uses: the surface's encoder turns chunks
into its wire format; whatever ends the stream early (the upstream failing, an error anywhere,
the client leaving, the server shutting down) ends it the same way: the surface's error event
when someone can still read it, the error logged with the request id, the call's record marked
with what happened, and the attempt failed when the deployment or the relay was at fault.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from gateway.errors import InternalError, StrataError, from_provider_error
from gateway.guardrails.stream import StreamGuard
from gateway.logs import LOG
from gateway.services.cache.recorder import StreamRecorder
from gateway.services.catalog import DeploymentHandle
from gateway.services.context import CallContext
from gateway.services.counting import counted_usage
from gateway.services.routing import Ticket
from providers.canonical import ChatCompletionChunk, ChatCompletionRequest, Usage
from providers.errors import ProviderError, ProviderTimeout, ProviderUpstreamError

NO_MODEL_S = 60.0  # a stream no model produces (a guardrail's answer) has this long
CLIENT_CLOSED = "client_closed"  # the caller went away before the stream ended
SHUTDOWN = "shutdown"  # the server stopped before the stream ended


KEEP_ALIVE_S = 1.0  # while the guardrails hold text back, a surface's keep-alive at most this often
SSE_COMMENT = b": keep-alive\n\n"  # the SSE surfaces' keep-alive: a comment, which every SSE reader skips


class StreamEncoder(Protocol):
    """A surface's wire format for a stream (SSE data lines, AWS event-stream frames...). An encoder
    may also have ``keep_alive() -> bytes``: what to send, once a second at most, while chunks come
    that give it nothing to write (text the output guardrails hold back), so that a client's read
    timeout, or a proxy's idle one, does not end a stream the model is still writing."""

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        """The bytes for one chunk (b"" for none)."""

    def finish(self, stream: ChatStream) -> bytes:
        """The closing bytes once the stream ended normally (usage is known by then)."""

    def error(self, error: StrataError) -> bytes:
        """The surface's error event, after which the stream ends."""


class ChatStream:
    def __init__(
        self,
        call: CallContext,
        request: ChatCompletionRequest,
        public_model: str,
        deployment: DeploymentHandle | None,
        source: AsyncIterator[ChatCompletionChunk],
        first: ChatCompletionChunk,
        ticket: Ticket | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        guard: StreamGuard | None = None,
        recorder: StreamRecorder | None = None,
    ) -> None:
        self.call = call
        self._recorder = recorder  # the response cache's, when this answer may be kept (services/cache)
        self._guard = guard  # output guardrails (gateway/guardrails/stream.py), when the call has any
        self._ticket = ticket
        self._on_close = on_close  # the quota stage's settlement: runs once, however the stream ends
        self._request = request
        self._model = public_model
        self._deployment = deployment
        self._source = source
        self._first: ChatCompletionChunk | None = first
        self._include_usage = request.wants_stream_usage()
        own = time.monotonic() + (deployment.config.timeouts.total if deployment is not None else NO_MODEL_S)
        self._deadline = own if call.deadline_at is None else min(own, call.deadline_at)
        self._text: list[str] = []
        self._sent: list[str] = []  # with output guardrails: the text callers got (invocation logs)
        self.usage: Usage | None = None
        self._last = first
        self._closing: asyncio.Future[None] | None = None
        self._ended = False  # the source finished normally

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._relay()

    @property
    def last(self) -> ChatCompletionChunk:
        """The last chunk sent (its id and model name the stream's closing events)."""
        return self._last

    async def encode(self, encoder: StreamEncoder) -> AsyncIterator[bytes]:
        """The stream in a surface's wire format, ended by the surface's error event on failure."""
        keep_alive = getattr(encoder, "keep_alive", None)
        quiet_since = time.monotonic()
        try:
            async for chunk in self:
                data = encoder.chunk(chunk)
                if data:
                    yield data
                    quiet_since = time.monotonic()
                elif keep_alive is not None and time.monotonic() - quiet_since >= KEEP_ALIVE_S:
                    yield keep_alive()
                    quiet_since = time.monotonic()
            yield encoder.finish(self)
        except StrataError as error:  # the upstream failed (already reported): tell the caller
            self.call.error_type = error.type
            yield encoder.error(error)
        except Exception as exc:  # boundary: a fault of ours or a provider's, mid-stream
            yield encoder.error(self._fault(exc))
        finally:
            await self.aclose()

    def interrupted(self, why: str) -> None:
        """The stream was cut before it ended (``CLIENT_CLOSED``, ``SHUTDOWN``: the response that
        carries it knows which): its record says so; the deployment did nothing wrong."""
        if self.call.error_type is None and not self._ended:
            self.call.error_type = why

    def _fault(self, exc: Exception) -> StrataError:
        call = self.call
        deployment = self._deployment.id if self._deployment is not None else None
        LOG.error(
            "stream failed", exc_info=exc, extra={"fields": {"request_id": call.request_id, "deployment": deployment}}
        )
        self._report(ProviderUpstreamError("the stream failed mid-way", detail=repr(exc)))
        error = InternalError(f"The server had an error processing your request (request id {call.request_id}).")
        call.error_type = error.type
        return error

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
                    self._ended = True
                    if self._guard is not None:
                        for held in await self._guard.close(self._last):
                            yield self._outgoing(held)
                    if self.usage is None and self._include_usage:
                        yield await self._counted_usage_chunk()
                    self._report(None)
                    break
                except ProviderError as exc:
                    self._report(exc)
                    error = from_provider_error(exc)
                    self.call.error_type = error.type
                    raise error from None
                except Exception as exc:  # boundary: a provider's bug is the deployment failing too
                    raise self._fault(exc) from None
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
                        self._text.append(choice.delta.content)  # what the model wrote (and is billed)
                if self._guard is None:
                    yield self._outgoing(chunk)
                    continue
                for guarded in await self._guard.process(chunk):
                    yield self._outgoing(guarded)
                if self._guard.ended:  # a guardrail ended the answer: the model's part is done
                    self._ended = True
                    if self._include_usage:
                        yield await self._counted_usage_chunk()
                    self._report(None)
                    break
        finally:
            await self.aclose()

    def _outgoing(self, chunk: ChatCompletionChunk) -> ChatCompletionChunk:
        chunk.model = self._model
        self._last = chunk
        if self._recorder is not None:
            self._recorder.sent(chunk)
        if self._guard is not None:  # what callers see may differ from what the model wrote
            self._sent.extend(choice.delta.content for choice in chunk.choices if choice.delta.content)
        return chunk

    def answer_text(self) -> str:
        """The text the caller was sent (every choice's, in order of arrival): invocation logs."""
        return "".join(self._sent if self._guard is not None else self._text)

    def _report(self, error: ProviderError | None) -> None:
        """Tell the router how the deployment did (a stream is judged when it ends); once."""
        if self._ticket is None:
            return
        if error is None:
            self._ticket.succeeded(self.usage.total_tokens if self.usage else 0)
        else:
            self._ticket.failed(error)

    async def aclose(self) -> None:
        """Close the upstream (idempotent) and settle the call's token counts: those the upstream
        reported, else those counted from what was relayed (a cut stream counts what was sent).

        The work runs as its own task, shielded: a stream cut by its client is closed first from
        inside the cancelled scope (anyio cancels every await there), and the counting must still
        finish before the call's usage record is written; the later, shielded call awaits it."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        if self._guard is not None:
            self._guard.cancel()
        if self._ticket is not None:
            self._ticket.abandoned()  # no-op when an outcome was already reported
        try:
            closer = getattr(self._source, "aclose", None)
            if closer is not None:
                await closer()
            settled = await self._settle_usage()
            if self._recorder is not None and self._ended and self.call.error_type is None:
                self._recorder.completed(settled)  # what the call was billed at: a hit's usage and savings
        finally:
            if self._on_close is not None:
                await self._on_close()

    async def _count_usage(self) -> Usage:
        """Usage for upstreams that send none: the prompt by the provider, the reply by tiktoken."""
        if self._deployment is None:  # no model was called (a guardrail answered)
            return Usage(prompt_tokens=0, completion_tokens=0, total_tokens=0)
        return await counted_usage(self._deployment, self._request, "".join(self._text))

    async def _counted_usage_chunk(self) -> ChatCompletionChunk:
        self.usage = await self._count_usage()
        self.call.usage_estimated = True
        return ChatCompletionChunk(
            id=self._last.id, created=self._last.created, model=self._model, choices=[], usage=self.usage
        )

    async def _settle_usage(self) -> Usage:
        """Record the call's usage (counted when the upstream sent none) and return it."""
        if self.usage is not None:
            self.call.record_usage(self.usage, estimated=self.call.usage_estimated)
            return self.usage
        counted = await self._count_usage()
        self.call.record_usage(counted, estimated=True)
        return counted
