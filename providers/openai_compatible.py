"""Any OpenAI-compatible upstream (OpenAI, Azure OpenAI, vLLM, Ollama, TGI, Groq...), called directly.

This is the hot path: one shared pooled client per origin, the request serialised once, the
response validated once. Streams always ask the upstream for usage and hide the usage chunk
from callers that did not ask for it (the pipeline does that).
"""

from __future__ import annotations

import email.utils
import math
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import orjson
from pydantic import Field, ValidationError, field_validator

from providers import errors as perr
from providers.anthropic_extensions import strip_anthropic_extensions
from providers.base import CallOptions, Capabilities, Provider, ProviderSpec
from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
)
from providers.deployment import DeploymentBase
from providers.http import HttpClients, transport_error
from providers.sse import iter_sse_data
from providers.tokens import count_prompt_async
from providers.transport import Response, Transport, UpstreamError

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token


class OpenAIDeployment(DeploymentBase):
    """Any OpenAI-compatible endpoint: OpenAI, Azure OpenAI, vLLM, Ollama, TGI, Groq..."""

    provider: Literal["openai"]
    model: str = Field(min_length=1)
    api_base: str = "https://api.openai.com/v1"
    api_key: str | None = None
    headers: dict[str, str] = {}
    query_params: dict[str, str] = Field(default={}, description="e.g. Azure's api-version")
    embeddings: bool = False
    vision: bool = False
    tools: bool = True
    anthropic_extensions: bool = Field(
        default=False,
        description="the upstream understands Anthropic's cache_control and thinking in litellm's spelling "
        "(a litellm proxy in front of Claude); otherwise the Anthropic surface's extensions are left out",
    )
    logprobs: bool = Field(default=True, description="the upstream returns logprobs (OpenAI, vLLM); false refuses them")
    token_inputs: bool = Field(
        default=True,
        description="embeddings input as token ids goes as it is (OpenAI's models: tiktoken's ids); "
        "false: Strata decodes it to text first, for upstreams with another tokenizer",
    )

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        scheme, rest = value.split("://", 1)
        host, slash, path = rest.partition("/")  # ${BASE}/openai/... with BASE ending in / gives //
        return f"{scheme}://{host}{re.sub('/{2,}', '/', slash + path)}".rstrip("/")

    @field_validator("api_key")
    @classmethod
    def _one_line_key(cls, value: str | None) -> str | None:
        if value is not None and any(c in value for c in "\r\n\0"):
            raise ValueError("contains a line break or NUL (a trailing newline in the secret's source?)")
        return value

    @field_validator("headers")
    @classmethod
    def _sendable_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid HTTP header name")
            if any(c in text for c in "\r\n\0"):
                raise ValueError(f"the value of {name!r} contains a line break or NUL")
        return value


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from retry-after-ms or Retry-After (seconds or HTTP date); None if unusable."""
    millis = _finite(headers.get("retry-after-ms"))
    if millis is not None:
        return max(0.0, millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _finite(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> perr.ProviderError:
    message, code, kind, param = body.decode("utf-8", "replace")[:500] or f"HTTP {status}", None, None, None
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        payload = None
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            message = str(error.get("message") or message)
            code = error.get("code") if isinstance(error.get("code"), str) else None
            kind = error.get("type") if isinstance(error.get("type"), str) else None
            param = error.get("param") if isinstance(error.get("param"), str) else None
        elif isinstance(error, str):
            message = error
    return perr.error_for_status(
        status, message, code=code, error_type=kind, param=param, retry_after=parse_retry_after(headers)
    )


def header_block(headers: Mapping[str, str]) -> bytes:
    """Header lines as sent on the wire (names and values were checked sendable by the config)."""
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode("latin-1")


class OpenAICompatibleProvider(Provider):
    def __init__(self, deployment: OpenAIDeployment, clients: HttpClients) -> None:
        self.deployment = deployment
        self.capabilities = Capabilities(
            tools=deployment.tools,
            embeddings=deployment.embeddings,
            vision=deployment.vision,
            logprobs=deployment.logprobs,
            token_inputs=deployment.token_inputs,
        )
        self._clients = clients
        self._pool: Transport | None = None
        base = urlsplit(deployment.api_base)
        query = f"?{urlencode(deployment.query_params)}" if deployment.query_params else ""
        self._chat_target = f"{base.path}/chat/completions{query}".encode()
        self._embeddings_target = f"{base.path}/embeddings{query}".encode()
        headers = {"content-type": "application/json", "user-agent": "strata-gateway", **deployment.headers}
        if deployment.api_key:
            headers["authorization"] = f"Bearer {deployment.api_key}"
            if "azure" in deployment.api_base:
                headers["api-key"] = deployment.api_key
        self._head = header_block(headers)
        # Never repeated to callers or logs, even when an upstream quotes them in an error.
        secret_headers = ("authorization", "api-key", "x-api-key", "proxy-authorization")
        self._secrets = [v for k, v in headers.items() if k.lower() in secret_headers] + [
            v for v in (deployment.api_key,) if v
        ]
        # The read timeout bounds the first byte and every gap between chunks; the pipeline bounds the total.
        self._connect_timeout = deployment.timeouts.connect
        self._read_timeout = deployment.timeouts.read

    async def start(self) -> None:
        self._pool = self._clients.pool_for(self.deployment.api_base)

    def _body(self, request: ChatCompletionRequest | EmbeddingRequest, **changes: Any) -> bytes:
        data = request.model_dump(exclude_unset=True)
        if isinstance(request, ChatCompletionRequest) and request._anthropic_extensions:
            if not self.deployment.anthropic_extensions:
                strip_anthropic_extensions(data)
        data["model"] = self.deployment.model
        data.update(changes)
        return orjson.dumps(data)

    async def _open(self, target: bytes, body: bytes, options: CallOptions) -> Response:
        if self._pool is None:
            raise perr.ProviderUnavailable("the provider has not started")
        head = self._head
        request_id = options.request_id
        if request_id and "\r" not in request_id and "\n" not in request_id:
            head += b"x-request-id: " + request_id.encode("latin-1", "replace") + b"\r\n"
        for name, value in options.headers:  # the trace context; a caller's tracestate is not sent broken
            if "\r" not in value and "\n" not in value:
                head += f"{name}: {value}\r\n".encode("latin-1", "replace")
        return await self._pool.request(
            b"POST", target, head, body, connect_timeout=self._connect_timeout, read_timeout=self._read_timeout
        )

    async def _post(self, target: bytes, body: bytes, options: CallOptions) -> bytes:
        try:
            response = await self._open(target, body, options)
            content = await response.read()
        except UpstreamError as exc:
            raise transport_error(exc, self.deployment.model) from None
        if response.status >= 400:
            raise perr.redact(error_from_response(response.status, response.headers, content), self._secrets)
        return content

    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        content = await self._post(self._chat_target, self._body(request, stream=False), options)
        try:
            return ChatCompletion.model_validate_json(content)
        except ValidationError as exc:
            repaired = _repaired_tool_calls(content)  # only on this path: the usual answer pays nothing
            if repaired is not None:
                return repaired
            raise perr.ProviderUpstreamError("Upstream sent an invalid chat completion.", detail=str(exc)) from None

    async def chat_stream(
        self, request: ChatCompletionRequest, options: CallOptions
    ) -> AsyncIterator[ChatCompletionChunk]:
        stream_options = {
            **(request.stream_options.model_dump() if request.stream_options else {}),
            "include_usage": True,
        }
        body = self._body(request, stream=True, stream_options=stream_options)
        outcome = _StreamOutcome()
        try:
            response = await self._open(self._chat_target, body, options)
            try:
                if response.status >= 400:
                    raise error_from_response(response.status, response.headers, await response.read())
                async for data in iter_sse_data(response.iter_chunks()):
                    chunk = outcome.parse(data)
                    if chunk is None:
                        return
                    yield chunk
            finally:
                response.close()
        except UpstreamError as exc:
            raise transport_error(exc, self.deployment.model) from None
        except perr.ProviderError as error:  # what an upstream says may quote the key it was sent
            raise perr.redact(error, self._secrets) from None
        if not outcome.finished:
            raise perr.ProviderUpstreamError("the upstream ended the stream before it was complete")

    async def embed(self, request: EmbeddingRequest, options: CallOptions) -> EmbeddingResponse:
        if not self.capabilities.embeddings:
            raise perr.UnsupportedOperation(f"model {request.model!r} does not produce embeddings")
        content = await self._post(self._embeddings_target, self._body(request), options)
        try:
            return EmbeddingResponse.model_validate_json(content)
        except ValidationError as exc:
            raise perr.ProviderUpstreamError("Upstream sent an invalid embeddings response.", detail=str(exc)) from None

    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        return await count_prompt_async(request, self.deployment.model)


class _StreamOutcome:
    """Parses stream events and remembers whether the upstream finished properly."""

    def __init__(self) -> None:
        self.finished = False

    def parse(self, data: bytes) -> ChatCompletionChunk | None:
        """The next chunk, or None at ``[DONE]``."""
        if data == b"[DONE]":
            self.finished = True
            return None
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise perr.ProviderUpstreamError("upstream sent a stream event that is not JSON") from None
        if isinstance(payload, dict) and "error" in payload:
            error = payload["error"]
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise perr.ProviderUpstreamError(f"upstream stream failed: {message}")
        try:
            chunk = ChatCompletionChunk.model_validate(payload)
        except ValidationError as exc:
            raise perr.ProviderUpstreamError("Upstream sent an invalid stream chunk.", detail=str(exc)) from None
        if any(choice.finish_reason for choice in chunk.choices):
            self.finished = True
        return chunk


SPEC = ProviderSpec(
    name="openai",
    config=OpenAIDeployment,
    build=lambda deployment, resources: OpenAICompatibleProvider(deployment, resources.http),
    pricing="price_table",
    vendor=lambda deployment: "OpenAI-compatible",
)


def _repaired_tool_calls(content: bytes) -> ChatCompletion | None:
    """An answer whose tool calls lack an id or arguments (some OpenAI-compatible servers send
    ``"arguments": null``, or no id), repaired as a stream of the same answer is: an id made up,
    ``{}`` for no arguments. None when that is not what is wrong with it."""
    try:
        body = orjson.loads(content)
        for choice in body.get("choices") or ():
            for number, call in enumerate((choice.get("message") or {}).get("tool_calls") or ()):
                call.setdefault("type", "function")
                if not call.get("id"):
                    call["id"] = f"call_{uuid.uuid4().hex[:24]}_{number}"
                function = call.get("function")
                if isinstance(function, dict) and function.get("arguments") is None:
                    function["arguments"] = "{}"
        return ChatCompletion.model_validate(body)
    except (ValueError, TypeError, AttributeError, ValidationError):
        return None
