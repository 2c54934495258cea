"""The contract every model back-end implements: a handful of async methods, nothing more.

A provider instance serves one deployment (one upstream model id at one endpoint, or one local
model). It receives canonical requests whose ``model`` is the public name and answers with
canonical responses; it never learns which API surface the caller used.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

from gateway.schemas.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
)
from providers.errors import UnsupportedOperation


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a deployment can do, so surfaces refuse early and routing can filter."""

    chat: bool = True
    streaming: bool = True
    tools: bool = True
    embeddings: bool = False
    vision: bool = False


class HealthState(StrEnum):
    READY = "ready"
    LOADING = "loading"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Health:
    state: HealthState
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.state is HealthState.READY


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Per-call facts the pipeline hands down: tracing id and the time left."""

    request_id: str
    timeout_s: float | None = None


class Provider(ABC):
    """One deployment's back-end.

    Example::

        provider = registry.build(deployment, resources)
        completion = await provider.chat(request, CallOptions(request_id="r1"))
        async for chunk in provider.chat_stream(request, CallOptions(request_id="r2")):
            ...
    """

    capabilities: Capabilities = Capabilities()

    async def start(self) -> None:
        """Open connections or load weights; called once by the app's lifespan."""
        return None

    async def aclose(self) -> None:
        """Release what start() opened."""
        return None

    @abstractmethod
    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        """Answer a chat request in one piece."""

    def chat_stream(self, request: ChatCompletionRequest, options: CallOptions) -> AsyncIterator[ChatCompletionChunk]:
        """Answer a chat request as chunks; closing the iterator cancels the upstream call.

        The last chunk carries ``usage`` when the back-end reports it.
        """
        raise UnsupportedOperation("this model does not stream")

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        raise UnsupportedOperation("this model does not produce embeddings")

    @abstractmethod
    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        """Prompt tokens of a request, by the model's own tokenizer where the back-end has one."""

    async def health(self) -> Health:
        return Health(HealthState.READY)
