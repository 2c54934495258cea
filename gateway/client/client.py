"""``Strata`` and ``AsyncStrata``: one object per gateway and key, the runtime calls on it and the
admin API under ``.admin``.

    client = Strata()  # STRATA_BASE_URL (default http://127.0.0.1:4000) and STRATA_API_KEY
    reply = client.chat(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    print(reply.choices[0].message.content)

``timeout`` is the deadline of one call in seconds, retries included; ``max_retries`` how many
times a 429, a 503 or a connection that could not be made is tried again (0: never; a connection
lost after the request went out never is). With ``raise_on_guardrail`` (the default) a call that a
guardrail blocked raises ``GuardrailIntervened`` instead of returning the guardrail's message as the
answer. ``http_client``: your own httpx client (proxies, TLS, limits); each request still goes to
``base_url`` with the key, ``default_headers`` and the deadline, as the openai SDK does.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from gateway.client import runtime_calls as calls
from gateway.client.admin import Admin, AsyncAdmin
from gateway.client.runtime_calls import Messages
from gateway.client.streams import AsyncChatStream, AsyncConverseStream, ChatStream, ConverseStream
from gateway.client.transport import AsyncTransport, Settings, SyncTransport
from gateway.client.types import ChatCompletion, ConverseResponse, Embeddings, GuardrailCheck, Model

System = str | Sequence[Mapping[str, Any]] | None


class Models:
    def __init__(self, transport: SyncTransport) -> None:
        self._t = transport

    def list(self) -> builtins.list[Model]:
        """The models this key may call."""
        return self._t.run(calls.list_models())

    def get(self, model: str) -> Model:
        return self._t.run(calls.get_model(model))


class AsyncModels:
    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def list(self) -> builtins.list[Model]:
        return await self._t.run(calls.list_models())

    async def get(self, model: str) -> Model:
        return await self._t.run(calls.get_model(model))


class _Options:
    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        timeout: float | None,
        max_retries: int | None,
        default_headers: Mapping[str, str] | None,
        raise_on_guardrail: bool,
    ) -> None:
        self.settings = Settings.resolve(base_url, api_key, timeout, max_retries, default_headers)
        self.raise_on_guardrail = raise_on_guardrail

    @property
    def base_url(self) -> str:
        return self.settings.base_url


class Strata(_Options):
    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        raise_on_guardrail: bool = True,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout, max_retries, default_headers, raise_on_guardrail)
        self._t = SyncTransport(self.settings, http_client)
        self.models = Models(self._t)
        self.admin = Admin(self._t)

    def chat(self, model: str, messages: Messages, **params: Any) -> ChatCompletion:
        """A chat completion; ``params`` are OpenAI's (temperature, max_tokens, tools...) and Strata's
        (``guardrails=["ID:VERSION"]``), sent as they are."""
        return self._t.run(calls.chat(model, messages, params, self.raise_on_guardrail))

    def chat_stream(self, model: str, messages: Messages, **params: Any) -> ChatStream:
        """The same, streamed: iterate the ChatCompletionChunk objects (``chunk.text``)."""
        response = self._t.open_stream(calls.chat_stream(model, messages, params))
        return ChatStream(response, self.settings, self.raise_on_guardrail)

    def embed(self, model: str, inputs: str | Sequence[str], **params: Any) -> Embeddings:
        """Embeddings of one text or several (``.vectors``, in input order)."""
        return self._t.run(calls.embed(model, inputs, params))

    def converse(self, model: str, messages: Messages, *, system: System = None, **fields: Any) -> ConverseResponse:
        """Bedrock's Converse: ``fields`` in Bedrock's names (inferenceConfig, toolConfig, guardrailConfig...)."""
        body = calls.converse_body(messages, system, fields)
        return self._t.run(calls.converse(model, body, self.raise_on_guardrail))

    def converse_stream(
        self, model: str, messages: Messages, *, system: System = None, **fields: Any
    ) -> ConverseStream:
        body = calls.converse_body(messages, system, fields)
        response = self._t.open_stream(calls.converse_stream(model, body))
        return ConverseStream(response, self.settings, self.raise_on_guardrail)

    def count_tokens(self, model: str, messages: Messages, *, system: System = None, **fields: Any) -> int:
        """The prompt tokens these messages would take (Bedrock's CountTokens), without a model call."""
        return self._t.run(calls.count_tokens(model, calls.converse_body(messages, system, fields)))

    def apply_guardrail(
        self,
        guardrail: str,
        text: str | Sequence[str],
        *,
        version: str | None = None,
        source: str = "input",
        output_scope: str = "interventions",
    ) -> GuardrailCheck:
        """What a guardrail would do to ``text`` (no model call); ``.blocked``, ``.outputs``, ``.assessment``."""
        return self._t.run(calls.apply_guardrail(guardrail, text, version, source, output_scope))

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncStrata(_Options):
    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        raise_on_guardrail: bool = True,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout, max_retries, default_headers, raise_on_guardrail)
        self._t = AsyncTransport(self.settings, http_client)
        self.models = AsyncModels(self._t)
        self.admin = AsyncAdmin(self._t)

    async def chat(self, model: str, messages: Messages, **params: Any) -> ChatCompletion:
        return await self._t.run(calls.chat(model, messages, params, self.raise_on_guardrail))

    async def chat_stream(self, model: str, messages: Messages, **params: Any) -> AsyncChatStream:
        """``async for chunk in await client.chat_stream(...)``."""
        response = await self._t.open_stream(calls.chat_stream(model, messages, params))
        return AsyncChatStream(response, self.settings, self.raise_on_guardrail)

    async def embed(self, model: str, inputs: str | Sequence[str], **params: Any) -> Embeddings:
        return await self._t.run(calls.embed(model, inputs, params))

    async def converse(
        self, model: str, messages: Messages, *, system: System = None, **fields: Any
    ) -> ConverseResponse:
        body = calls.converse_body(messages, system, fields)
        return await self._t.run(calls.converse(model, body, self.raise_on_guardrail))

    async def converse_stream(
        self, model: str, messages: Messages, *, system: System = None, **fields: Any
    ) -> AsyncConverseStream:
        body = calls.converse_body(messages, system, fields)
        response = await self._t.open_stream(calls.converse_stream(model, body))
        return AsyncConverseStream(response, self.settings, self.raise_on_guardrail)

    async def count_tokens(self, model: str, messages: Messages, *, system: System = None, **fields: Any) -> int:
        return await self._t.run(calls.count_tokens(model, calls.converse_body(messages, system, fields)))

    async def apply_guardrail(
        self,
        guardrail: str,
        text: str | Sequence[str],
        *,
        version: str | None = None,
        source: str = "input",
        output_scope: str = "interventions",
    ) -> GuardrailCheck:
        return await self._t.run(calls.apply_guardrail(guardrail, text, version, source, output_scope))

    async def aclose(self) -> None:
        await self._t.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
