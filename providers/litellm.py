"""Every vendor litellm reaches (Anthropic, Bedrock, Vertex, Cohere, Mistral...).

litellm costs about 3 s to import and ~2 ms of CPU per call, so it is imported only when a
deployment of this type exists (at start, never on the request path) and is kept off the
OpenAI-compatible hot path. It never fetches its price list over the network.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import sys
from array import array
from collections.abc import AsyncIterator
from dataclasses import replace
from types import ModuleType
from typing import Any, Literal

from pydantic import Field, ValidationError

from providers import errors as perr
from providers.base import CallOptions, Capabilities, Provider, ProviderSpec
from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
)
from providers.deployment import DeploymentBase

LOG = logging.getLogger("strata.providers.litellm")


class LiteLLMDeployment(DeploymentBase):
    """Any vendor litellm reaches; ``model`` is litellm's id, e.g. anthropic/claude-3-5-haiku-latest."""

    provider: Literal["litellm"]
    model: str = Field(min_length=1)
    api_base: str | None = None
    api_key: str | None = None
    params: dict[str, Any] = Field(default={}, description="extra litellm arguments (aws_region_name...)")
    embeddings: bool = False
    vision: bool = False
    tools: bool = True
    logprobs: bool | None = Field(default=None, description="returns logprobs; unset: as litellm says the model does")
    token_inputs: bool | None = Field(
        default=None,
        description="embeddings input as token ids goes as it is; unset: for openai/, azure/, hosted_vllm/ and "
        "nebius/ models (as litellm's proxy decides), else Strata decodes it to text first",
    )


# Vendors whose embeddings take token ids (litellm's LITELLM_EMBEDDING_PROVIDERS_SUPPORTING_INPUT_ARRAY_OF_TOKENS).
_TOKEN_INPUT_VENDORS = ("openai", "azure", "hosted_vllm", "nebius")


def _takes_token_inputs(deployment: LiteLLMDeployment) -> bool:
    if deployment.token_inputs is not None:
        return deployment.token_inputs
    vendor, slash, _ = deployment.model.partition("/")
    return vendor in _TOKEN_INPUT_VENDORS if slash else deployment.model.startswith("text-embedding-")


_litellm: ModuleType | None = None
# What litellm.completion() reads as its own instructions rather than as model parameters: where to
# call (base_url, api_base), with what credentials and headers, its retries, mocks and callbacks. A
# caller's request may never set them (one sent base_url and received the deployment's key at its
# own server); litellm's list of its params (all_litellm_params) adds the rest at start.
CALLER_FORBIDDEN = frozenset(
    {
        "base_url",
        "api_base",
        "api_key",
        "api_version",
        "api_type",
        "organization",
        "extra_headers",
        "headers",
        "deployment_id",
        "model_list",
        "custom_llm_provider",
        "timeout",
        "num_retries",
        "max_retries",
        "mock_response",
        "client",
        "azure_ad_token",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_region_name",
        "aws_profile_name",
        "vertex_project",
        "vertex_location",
        "vertex_credentials",
    }
)
CALLER_DROPPED = frozenset({"metadata", "tags"})  # the usage record's (Strata reads them), not litellm's


def _litellm_params(module: ModuleType) -> frozenset[str]:
    """litellm's own parameter names (all_litellm_params), never a caller's to set."""
    try:
        from litellm.types.utils import all_litellm_params
    except ImportError:  # another litellm layout: the fixed list above still holds
        return frozenset()
    return frozenset(all_litellm_params)


def _import_litellm() -> ModuleType:
    """Import once, offline: the bundled price map, no telemetry, no callbacks."""
    global _litellm  # a lazily imported module, not mutable state: see the module docstring
    if _litellm is None:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_LOG", "ERROR")
        import litellm

        litellm.suppress_debug_info = True
        litellm.drop_params = True
        _litellm = litellm
    return _litellm


_CONNECTION_FAILURES = ("ConnectError", "ConnectionError", "ClientConnectorError", "ConnectionRefusedError")


def _unreachable(exc: BaseException) -> bool:
    """litellm reports a refused connection as a 500; its cause chain says what happened."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if type(seen).__name__ in _CONNECTION_FAILURES or isinstance(seen, ConnectionRefusedError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _without_traceback(message: str) -> str:
    """litellm folds a Python traceback (file paths, code lines) into some messages: callers get
    the sentence before it, at most MAX_MESSAGE characters."""
    head = message.split("Traceback (most recent call last):", 1)[0].strip()
    return head[:MAX_MESSAGE] if head else "the upstream call failed"


MAX_MESSAGE = 1000


def _map_error(exc: Exception) -> perr.ProviderError:
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    message = _without_traceback(str(getattr(exc, "message", None) or exc))
    if _unreachable(exc) or message.endswith("Connection error."):
        return perr.ProviderUnavailable(message)
    if name == "ContextWindowExceededError":
        return perr.ContextWindowExceeded(message)
    if name == "ContentPolicyViolationError":
        return perr.ContentPolicyViolation(message)
    if name in ("Timeout", "APITimeoutError"):
        return perr.ProviderTimeout(message)
    if name == "APIConnectionError" and not isinstance(status, int):
        return perr.ProviderUnavailable(message)
    if isinstance(status, int) and status >= 400:
        retry_after = None
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None)
        if headers is not None and headers.get("retry-after"):
            try:
                retry_after = float(headers["retry-after"])
            except ValueError:
                retry_after = None
        return perr.error_for_status(status, message, retry_after=retry_after)
    return perr.ProviderUpstreamError(f"{name}: {message}")


def _base64(vector: list[float]) -> str:
    """OpenAI's base64 format: little-endian float32."""
    packed = array("f", vector)
    if sys.byteorder == "big":  # pragma: no cover
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()


class LiteLLMProvider(Provider):
    def __init__(self, deployment: LiteLLMDeployment) -> None:
        self.deployment = deployment
        self.capabilities = Capabilities(
            tools=deployment.tools,
            embeddings=deployment.embeddings,
            vision=deployment.vision,
            logprobs=bool(deployment.logprobs),
            token_inputs=_takes_token_inputs(deployment),
        )
        self._module: ModuleType | None = None
        self._forbidden = CALLER_FORBIDDEN  # with litellm's own parameter names once it is imported

    async def start(self) -> None:
        self._module = await asyncio.to_thread(_import_litellm)
        self._forbidden = CALLER_FORBIDDEN | _litellm_params(self._module)
        if self.deployment.logprobs is None:  # litellm drops what a vendor does not take: ask it, refuse early
            self.capabilities = replace(self.capabilities, logprobs=self._supports("logprobs"))

    def _supports(self, parameter: str) -> bool:
        try:
            supported = self._litellm.get_supported_openai_params(model=self.deployment.model)
        except Exception:  # boundary: a model litellm does not know supports nothing extra
            return False
        return bool(supported) and parameter in supported

    async def aclose(self) -> None:
        """Close the HTTP clients litellm cached for this event loop (aiohttp sessions that would
        otherwise outlive it), then forget them; idempotent, so every litellm deployment may call it."""
        if self._module is None:
            return
        try:
            from litellm.llms.custom_httpx.async_client_cleanup import close_litellm_async_clients

            await close_litellm_async_clients()  # type: ignore[no-untyped-call]
            self._module.in_memory_llm_clients_cache.flush_cache()
        except Exception as exc:  # boundary: a litellm that moved things must not stop the shutdown
            LOG.warning("could not close litellm's HTTP clients: %r", exc)

    def _error(self, exc: Exception) -> perr.ProviderError:
        """litellm's error as a provider error, never quoting the deployment's key."""
        secrets = [self.deployment.api_key] if self.deployment.api_key else []
        secrets += [str(v) for k, v in self.deployment.params.items() if "key" in k or "secret" in k or "token" in k]
        return perr.redact(_map_error(exc), secrets)

    @property
    def _litellm(self) -> ModuleType:
        if self._module is None:
            raise perr.ProviderUnavailable("the litellm provider has not started")
        return self._module

    def _arguments(self, request: ChatCompletionRequest | EmbeddingRequest, options: CallOptions) -> dict[str, Any]:
        arguments = request.model_dump(exclude_unset=True, exclude={"model"})
        for name in (request.model_extra or {}).keys() & self._forbidden:
            if name in CALLER_DROPPED:
                del arguments[name]
                continue
            raise perr.ProviderBadRequest(
                f"'{name}' is not a model parameter: where and how the model is called is the gateway's to say.",
                param=name,
            )
        arguments.update(self.deployment.params)
        if options.headers:  # the trace context: the upstream joins the caller's trace
            arguments["extra_headers"] = {**arguments.get("extra_headers", {}), **dict(options.headers)}
        timeouts = self.deployment.timeouts
        arguments.update(model=self.deployment.model, timeout=timeouts.total, num_retries=0)
        if self.deployment.api_base:
            arguments["api_base"] = self.deployment.api_base
        if self.deployment.api_key:
            arguments["api_key"] = self.deployment.api_key
        return arguments

    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        arguments = self._arguments(request, options)
        arguments["stream"] = False
        try:
            response = await self._litellm.acompletion(**arguments)
        except Exception as exc:  # boundary: litellm raises its own tree
            raise self._error(exc) from None
        try:
            return ChatCompletion.model_validate(response.model_dump())
        except ValidationError as exc:
            raise perr.ProviderUpstreamError("litellm returned an invalid completion.", detail=str(exc)) from None

    async def chat_stream(
        self, request: ChatCompletionRequest, options: CallOptions
    ) -> AsyncIterator[ChatCompletionChunk]:
        arguments = self._arguments(request, options)
        arguments.update(stream=True, stream_options={"include_usage": True})
        try:
            stream = await self._litellm.acompletion(**arguments)
            async for item in stream:
                yield ChatCompletionChunk.model_validate(item.model_dump(exclude_none=True))
        except (perr.ProviderError, GeneratorExit, asyncio.CancelledError):
            raise
        except ValidationError as exc:
            raise perr.ProviderUpstreamError("litellm returned an invalid chunk.", detail=str(exc)) from None
        except Exception as exc:  # boundary: litellm raises its own tree
            raise self._error(exc) from None

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        if not self.capabilities.embeddings:
            raise perr.UnsupportedOperation(f"model {request.model!r} does not produce embeddings")
        arguments = self._arguments(request, options)
        # litellm's response types hold floats (base64 strings trip its serializer): ask for floats, encode here
        as_base64 = arguments.pop("encoding_format", None) == "base64"
        try:
            response = await self._litellm.aembedding(**arguments)
        except Exception as exc:  # boundary: litellm raises its own tree
            raise self._error(exc) from None
        answer = EmbeddingResponse.model_validate(response.model_dump())
        if as_base64:
            for item in answer.data:
                if isinstance(item.embedding, list):
                    item.embedding = _base64(item.embedding)
        return answer

    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        messages = [m.model_dump(exclude_none=True) for m in request.messages]
        count: int = self._litellm.token_counter(model=self.deployment.model, messages=messages)
        return count


SPEC = ProviderSpec(
    name="litellm",
    config=LiteLLMDeployment,
    build=lambda deployment, resources: LiteLLMProvider(deployment),
    pricing="price_table",
    vendor=lambda deployment: deployment.model.split("/", 1)[0] if "/" in deployment.model else "litellm",
)
