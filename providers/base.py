"""The contract every model back-end implements: a handful of async methods, and one ProviderSpec.

A provider instance serves one deployment (one upstream model id at one endpoint, or one local
model). It receives canonical requests whose ``model`` is the public name and answers with
canonical responses; it never learns which API surface the caller used.

A provider type is one module that defines its deployment config class (a ``DeploymentBase``), its
``Provider`` and a ``ProviderSpec`` tying them together with its pricing source and its model
family for Bedrock's model listing; ``providers/registry.py`` lists the specs, one line each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Generic, Literal, TypeVar

from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
)
from providers.deployment import DeploymentBase
from providers.errors import UnsupportedOperation
from providers.http import HttpClients


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a deployment can do, so surfaces refuse early and routing can filter."""

    chat: bool = True
    streaming: bool = True
    tools: bool = True
    embeddings: bool = False
    vision: bool = False  # takes image parts; a model without it is refused them (400)
    logprobs: bool = False  # returns logprobs / top_logprobs when asked; others are refused them (400)
    token_inputs: bool = False  # takes embeddings input as token ids as they are; else the gateway decodes them


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
    """Per-call facts the pipeline hands down: tracing id, the time left, and headers the upstream
    request carries besides the deployment's own (the W3C trace context: ``traceparent``)."""

    request_id: str
    timeout_s: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    truncate_input: bool = False  # the gateway's own embeddings (guardrails, caches, routers): cut, never refuse


class Provider(ABC):
    """One deployment's back-end.

    Example::

        provider = registry.build_provider(deployment, ProviderResources(http=HttpClients()))
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


@dataclass(frozen=True, slots=True)
class ProviderResources:
    """What the gateway lends every provider it builds: the shared upstream connection pools, and
    where local models keep what they make once (None: their default)."""

    http: HttpClients
    model_cache_dir: Path | None = None


C = TypeVar("C", bound=DeploymentBase)

# Where a deployment's price comes from when its config sets none: litellm's price table by the
# upstream model id ("price_table"), or nothing, so it costs 0 ("config_only": local and demo models).
PricingSource = Literal["price_table", "config_only"]


@dataclass(frozen=True, slots=True)
class ProviderSpec(Generic[C]):
    """One provider type: everything the gateway needs to know about it, declared next to its code.

    There is deliberately no default for ``pricing``: a new provider must say where its prices come
    from, rather than being silently priced at 0.
    """

    name: str  # the catalog's ``provider:`` value; must equal the config class's Literal tag
    config: type[C]
    build: Callable[[C, ProviderResources], Provider]  # may import heavy modules lazily, at start only
    pricing: PricingSource
    vendor: Callable[[C], str]  # who makes the model, for Bedrock's providerName (ListFoundationModels)
