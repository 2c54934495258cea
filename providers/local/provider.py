"""The local provider: the pipeline's side of a local model (no torch in this process's loop).

It admits requests (or refuses them with 503 + Retry-After when the queue is full or the model
is still loading), sends them to the worker through its host, and turns the worker's events
into canonical responses and stream chunks. Closing a stream, or cancelling the call, tells the
worker to drop the request at its next step.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import sys
import time
from array import array
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, NoReturn

from providers.base import CallOptions, Capabilities, Health, HealthState, Provider
from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Embedding,
    EmbeddingRequest,
    EmbeddingResponse,
    EmbeddingUsage,
    Message,
)
from providers.errors import (
    ContextWindowExceeded,
    ProviderBadRequest,
    ProviderBusy,
    ProviderError,
    ProviderUnavailable,
    ProviderUpstreamError,
    UnsupportedOperation,
)
from providers.local.config import LocalDeployment
from providers.local.host import WorkerHost, make_host
from providers.local.protocol import (
    Cancel,
    Command,
    Counted,
    CountTokens,
    Embed,
    Embedded,
    Event,
    Failed,
    Generate,
    Loaded,
    LoadFailed,
    ModelInfo,
    Progress,
    SamplingParams,
    Stepped,
    WorkerDied,
)
from providers.local.replies import assemble_completion, stream_chunks
from providers.local.stats import LocalStats
from providers.local.worker import WorkerSpec

LOG = logging.getLogger("strata.providers.local")  # under "strata": the gateway's handlers apply

LOADING_RETRY_AFTER_S = 5.0


def worker_spec(deployment: LocalDeployment, name: str, model_cache_dir: Path | None = None) -> WorkerSpec:
    return WorkerSpec(
        name=name,
        path=deployment.path,
        task=deployment.task,
        device=deployment.device,
        dtype=deployment.dtype,
        quantize=deployment.quantize,
        runtime=deployment.runtime,
        max_batch_size=deployment.batch_limit,
        max_wait_s=deployment.max_wait_ms / 1000,
        max_context=deployment.max_context,
        threads=deployment.threads,
        demo=deployment.demo,
        compile=deployment.compile,
        model_cache_dir=str(model_cache_dir) if model_cache_dir is not None else None,
    )


class LocalProvider(Provider):
    def __init__(self, deployment: LocalDeployment, model_cache_dir: Path | None = None) -> None:
        self.config = deployment
        self._model_cache_dir = model_cache_dir
        chat = deployment.task == "chat"
        self.capabilities = Capabilities(chat=chat, streaming=chat, tools=chat, embeddings=not chat)
        self._host: WorkerHost | None = None
        self._health = Health(HealthState.LOADING, "not started")
        self._info: ModelInfo | None = None
        self._inboxes: dict[int, asyncio.Queue[Event]] = {}
        self._ids = itertools.count(1)
        self._service_s = 1.0  # moving average of a request's time here, for Retry-After
        self.stats = LocalStats()  # read by the gateway's metrics

    # ---- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the worker and return: the model loads in the background (health says LOADING)."""
        self._host = make_host(
            self.config.worker_kind, worker_spec(self.config, self.config.model, self._model_cache_dir)
        )
        self._health = Health(HealthState.LOADING, f"loading {self.config.path}")
        LOG.info(
            "local model loading",
            extra={"fields": {"model": self.config.model, "path": self.config.path, "worker": self.config.worker_kind}},
        )
        self._host.start(self._on_events)

    async def aclose(self) -> None:
        if self._host is not None:
            # A worker still loading has nothing to finish: do not wait for it.
            await self._host.stop(grace_s=10.0 if self._info is not None else 0.0)
        self._fail_all("the gateway is shutting down")

    async def health(self) -> Health:
        return self._health

    def _on_events(self, events: list[Event]) -> None:
        """Runs on the event loop: route each event to its request, or update the model's state."""
        for event in events:
            rid = getattr(event, "rid", None)
            if rid is not None:
                inbox = self._inboxes.get(rid)
                if inbox is not None:
                    inbox.put_nowait(event)
            elif isinstance(event, Stepped):
                self.stats.stepped(event.rows, event.tokens)
            elif isinstance(event, Progress):
                LOG.info(f"local model: {event.message}", extra={"fields": event.fields})
            elif isinstance(event, Loaded):
                self._loaded(event.info)
            elif isinstance(event, LoadFailed | WorkerDied):
                self._health = Health(HealthState.FAILED, event.message)
                LOG.error("local model failed", extra={"fields": {"model": self.config.model, "error": event.message}})
                self._fail_all(event.message)

    def _loaded(self, info: ModelInfo) -> None:
        self._info = info
        if info.task == "chat":
            self.capabilities = Capabilities(chat=True, streaming=True, tools=info.tools)
        self._health = Health(HealthState.READY)

    def _fail_all(self, message: str) -> None:
        for rid, inbox in self._inboxes.items():
            inbox.put_nowait(Failed(rid, "internal", message))

    # ---- admission -------------------------------------------------------------------------

    def _ready_info(self) -> ModelInfo:
        if self._info is not None and self._health.ready:
            return self._info
        if self._health.state is HealthState.FAILED:
            raise ProviderUnavailable(
                f"the local model {self.config.model!r} failed to load", detail=self._health.detail
            )
        raise ProviderBusy(f"the local model {self.config.model!r} is still loading", retry_after=LOADING_RETRY_AFTER_S)

    def _submit(self, make: Callable[[int], Command]) -> tuple[int, asyncio.Queue[Event]]:
        """Admit a request or refuse it now: a bounded queue, never an unbounded pile-up."""
        assert self._host is not None
        limit, waiting = self.config.batch_limit, len(self._inboxes)
        if waiting >= limit + self.config.max_queue_length:
            retry = max(1.0, self._service_s * (waiting - limit + 1) / limit)
            raise ProviderBusy(
                f"the local model {self.config.model!r} is at capacity ({waiting} requests); retry shortly",
                retry_after=retry,
                code="model_overloaded",
            )
        rid = next(self._ids)
        inbox: asyncio.Queue[Event] = asyncio.Queue()
        self._inboxes[rid] = inbox
        self.stats.queue_depth = len(self._inboxes)
        self._host.send(make(rid))
        return rid, inbox

    def _release(self, rid: int, started: float, finished: bool) -> None:
        """Forget the request; one that did not finish is cancelled in the worker at its next step."""
        if self._inboxes.pop(rid, None) is not None and not finished and self._host is not None:
            self._host.send(Cancel(rid))
        self.stats.queue_depth = len(self._inboxes)
        if finished:
            self._service_s = 0.8 * self._service_s + 0.2 * (time.monotonic() - started)

    # ---- chat ------------------------------------------------------------------------------

    def _generate(self, request: ChatCompletionRequest) -> tuple[int, asyncio.Queue[Event], bool]:
        info = self._ready_info()
        _refuse_what_local_generation_ignores(request, self.config.batch_limit)
        tools = bool(request.tools) and request.tool_choice != "none"
        if tools and not info.tools:
            raise UnsupportedOperation(
                f"The model '{request.model}' cannot call tools: its chat template has no tool support.",
                param="tools",
            )
        messages = [_message(m) for m in request.messages]
        tool_defs = [t.model_dump(exclude_none=True) for t in request.tools] if tools and request.tools else None
        stop = (request.stop,) if isinstance(request.stop, str) else tuple(request.stop or ())
        params = SamplingParams(
            request.output_limit(), request.temperature, request.top_p, stop, request.seed, _top_k(request)
        )
        rid, inbox = self._submit(lambda rid: Generate(rid, messages, tool_defs, request.n or 1, params))
        return rid, inbox, tools

    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        rid, inbox, tools = self._generate(request)
        started, finished = time.monotonic(), False
        try:
            completion = await assemble_completion(request, rid, inbox, tools, _raise_failure)
            finished = True
            return completion
        finally:
            self._release(rid, started, finished)

    async def chat_stream(
        self, request: ChatCompletionRequest, options: CallOptions
    ) -> AsyncIterator[ChatCompletionChunk]:
        rid, inbox, tools = self._generate(request)
        started, finished = time.monotonic(), False
        try:
            async for chunk in stream_chunks(request, rid, inbox, tools, _raise_failure):
                yield chunk
            finished = True
        finally:
            self._release(rid, started, finished)

    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        self._ready_info()
        messages = [_message(m) for m in request.messages]
        tools = [t.model_dump(exclude_none=True) for t in request.tools] if request.tools else None
        rid, inbox = self._submit(lambda rid: CountTokens(rid, messages, tools))
        finished = False
        try:
            event = await inbox.get()
            if isinstance(event, Failed):
                _raise_failure(event)
            assert isinstance(event, Counted)
            finished = True
            return event.tokens
        finally:
            self._release(rid, time.monotonic(), finished)

    # ---- embeddings ------------------------------------------------------------------------

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        info = self._ready_info()
        if info.task != "embeddings":
            raise UnsupportedOperation("this model does not produce embeddings")
        texts = request.texts()
        if isinstance(request.input, list) and len(texts) != len(request.input) or not texts:
            raise ProviderBadRequest(
                "Local models take text input: a string or a non-empty list of strings.", param="input"
            )
        if request.dimensions is not None and request.dimensions != info.dimensions:
            raise ProviderBadRequest(f"This model's embeddings have {info.dimensions} dimensions.", param="dimensions")
        truncate = options.truncate_input or _cut_asked(request)
        rid, inbox = self._submit(lambda rid: Embed(rid, texts, truncate))
        started, finished = time.monotonic(), False
        try:
            event = await inbox.get()
            if isinstance(event, Failed):
                _raise_failure(event, "input")
            assert isinstance(event, Embedded)
            finished = True
        finally:
            self._release(rid, started, finished)
        as_base64 = request.encoding_format == "base64"
        data = [
            Embedding(index=i, embedding=_base64(vector) if as_base64 else vector)
            for i, vector in enumerate(event.vectors)
        ]
        usage = EmbeddingUsage(prompt_tokens=event.prompt_tokens, total_tokens=event.prompt_tokens)
        return EmbeddingResponse(data=data, model=request.model, usage=usage)


def _base64(vector: list[float]) -> str:
    """OpenAI's base64 format: little-endian float32."""
    packed = array("f", vector)
    if sys.byteorder == "big":  # pragma: no cover
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()


def _message(message: Message) -> dict[str, Any]:
    """A canonical message as chat templates expect it (tool-call arguments as objects)."""
    if isinstance(message.content, list) and any(part.type != "text" for part in message.content):
        raise UnsupportedOperation("This local model takes text only.", param="messages")
    role = {"developer": "system", "function": "tool"}.get(message.role, message.role)
    out: dict[str, Any] = {"role": role, "content": message.text()}
    if message.name:
        out["name"] = message.name
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.function.name, "arguments": _json(c.function.arguments)},
            }
            for c in message.tool_calls
        ]
    return out


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _raise_failure(event: Failed, param: str = "messages") -> NoReturn:
    error: ProviderError
    if event.kind == "context":
        error = ContextWindowExceeded(event.message, param=param, code="context_length_exceeded")
    elif event.kind == "bad_request":
        error = ProviderBadRequest(event.message, param=param)
    elif event.kind == "unsupported":
        error = UnsupportedOperation(event.message)
    else:
        error = ProviderUpstreamError("the local model failed to answer", detail=event.message)
    raise error


def _cut_asked(request: EmbeddingRequest) -> bool:
    """A Cohere-style ``truncate`` (END or START) lets over-long texts be cut; NONE, or nothing (as
    at OpenAI and Titan), makes one a 400. Local models cut at the end either way."""
    value = (request.model_extra or {}).get("truncate")
    if value is None or value == "NONE":
        return False
    if value not in ("END", "START"):
        raise ProviderBadRequest("truncate must be NONE, START or END.", param="truncate")
    return True


def _top_k(request: ChatCompletionRequest) -> int | None:
    """Anthropic's and Bedrock's ``top_k`` (an extra field of the canonical request): sample only
    from the k likeliest tokens; 0 or none: no cut."""
    value = (request.model_extra or {}).get("top_k")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProviderBadRequest("top_k must be a whole number, 0 or more.", param="top_k")
    return value or None


def _refuse_what_local_generation_ignores(request: ChatCompletionRequest, batch_limit: int) -> None:
    """A 400 naming the parameter for what the local generator cannot honour, rather than an
    answer that silently ignores it (JSON mode answering prose) or a request that can never be
    scheduled (more choices than its batch holds waited forever at the queue's head, and every
    request behind it with it)."""
    if (request.n or 1) > batch_limit:
        raise ProviderBadRequest(
            f"n is at most {batch_limit} for this local model (its batch holds {batch_limit} sequences).", param="n"
        )
    if request.response_format is not None and request.response_format.type != "text":
        raise UnsupportedOperation(
            "This local model cannot constrain its output to JSON (response_format).", param="response_format"
        )
    extra = request.model_extra or {}
    for name in ("logit_bias", "functions", "presence_penalty", "frequency_penalty"):
        if extra.get(name):
            raise UnsupportedOperation(f"This local model does not support {name}.", param=name)
    modalities = extra.get("modalities")
    if modalities is not None and not (isinstance(modalities, list) and all(isinstance(m, str) for m in modalities)):
        raise ProviderBadRequest('modalities must be a list of strings, such as ["text"].', param="modalities")
    if any(m != "text" for m in modalities or ()):
        raise UnsupportedOperation("This local model answers in text only.", param="modalities")
