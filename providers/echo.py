"""A built-in demo model: it answers with the caller's last message, word by word when streaming.

It needs no network and no weights, so a fresh install has a model that exercises the whole
path (auth, pipeline, streaming, usage) before anything is configured.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Literal

from providers.base import CallOptions, Capabilities, Provider, ProviderSpec
from providers.canonical import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    Delta,
    Usage,
)
from providers.deployment import DeploymentBase
from providers.errors import UnsupportedOperation


class EchoDeployment(DeploymentBase):
    """A built-in demo model that answers with the caller's last message; needs nothing."""

    provider: Literal["echo"]
    model: str = "echo"


def _words(text: str) -> list[str]:
    return text.split()


def _before_stop(text: str, stop: str | list[str] | None) -> tuple[str, str | None]:
    """The reply up to the first stop sequence, as a model stops at one, and that sequence."""
    sequences = [stop] if isinstance(stop, str) else stop or []
    cuts = [(i, s) for s in sequences if s and (i := text.find(s)) >= 0]
    if not cuts:
        return text, None
    at, matched = min(cuts, key=lambda cut: cut[0])
    return text[:at], matched


class EchoProvider(Provider):
    capabilities = Capabilities(tools=False)

    def __init__(self, model: str = "echo") -> None:
        self.model = model

    def _reply(self, request: ChatCompletionRequest) -> tuple[list[str], str, dict[str, str]]:
        """The words, the finish reason, and the choice's ``stop_reason`` (the stop sequence that cut
        the reply, as vLLM reports it; the Anthropic and Bedrock surfaces read it) when one did."""
        if request.tools and request.tool_choice not in (None, "none"):
            raise UnsupportedOperation("the echo model cannot call tools")
        last_user = next((m for m in reversed(request.messages) if m.role == "user"), None)
        text, matched = _before_stop(" ".join(_words(last_user.text() if last_user else "")), request.stop)
        words = _words(text)
        limit = request.output_limit()
        if limit is not None and len(words) > limit:
            return words[:limit], "length", {}
        return words, "stop", {} if matched is None else {"stop_reason": matched}

    def _usage(self, request: ChatCompletionRequest, output_words: int) -> Usage:
        prompt = sum(len(_words(m.text())) for m in request.messages)
        return Usage(prompt_tokens=prompt, completion_tokens=output_words, total_tokens=prompt + output_words)

    async def chat(self, request: ChatCompletionRequest, options: CallOptions) -> ChatCompletion:
        words, finish, matched = self._reply(request)
        choices = [
            Choice(index=i, message=AssistantMessage(content=" ".join(words)), finish_reason=finish, **matched)
            for i in range(request.n or 1)
        ]
        return ChatCompletion(
            id=f"chatcmpl-{uuid.uuid4().hex}",
            created=int(time.time()),
            model=request.model,
            choices=choices,
            usage=self._usage(request, len(words) * len(choices)),
        )

    async def chat_stream(
        self, request: ChatCompletionRequest, options: CallOptions
    ) -> AsyncIterator[ChatCompletionChunk]:
        words, finish, matched = self._reply(request)
        ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        choices = range(request.n or 1)  # every choice says the same, word by word, interleaved

        def chunk(delta: Delta, index: int, finish_reason: str | None = None) -> ChatCompletionChunk:
            extra = matched if finish_reason else {}
            return ChatCompletionChunk(
                id=ident,
                created=created,
                model=request.model,
                choices=[ChunkChoice(index=index, delta=delta, finish_reason=finish_reason, **extra)],
            )

        for index in choices:
            yield chunk(Delta(role="assistant", content=""), index)
        for i, word in enumerate(words):
            for index in choices:
                yield chunk(Delta(content=word if i == 0 else f" {word}"), index)
        for index in choices:
            yield chunk(Delta(), index, finish)
        usage = self._usage(request, len(words) * len(choices))
        yield ChatCompletionChunk(id=ident, created=created, model=request.model, choices=[], usage=usage)

    async def count_tokens(self, request: ChatCompletionRequest) -> int:
        return sum(len(_words(m.text())) for m in request.messages)


SPEC = ProviderSpec(
    name="echo",
    config=EchoDeployment,
    build=lambda deployment, resources: EchoProvider(deployment.model),
    pricing="config_only",
    vendor=lambda deployment: "Strata",
)
