"""OpenAI's legacy completions wire shapes (``POST /v1/completions``): prompt in, text out.

The request is validated once from the JSON bytes and translated to a chat completion
(gateway/translate/openai_completions.py); unknown fields pass on to the upstream, as on the chat
surface. Responses are built as plain dicts; the models below document them in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from providers.canonical import NOT_BOOL


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    prompt: str | list[str] | list[int] | list[list[int]]
    max_tokens: Annotated[int, NOT_BOOL, Field(ge=1)] | None = None
    temperature: Annotated[float, NOT_BOOL, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, NOT_BOOL, Field(ge=0, le=1)] | None = None
    n: Annotated[int, NOT_BOOL, Field(ge=1, le=128)] | None = None
    stop: str | list[str] | None = None
    stream: bool | None = None
    stream_options: dict[str, Any] | None = None
    echo: bool | None = None
    logprobs: Annotated[int, NOT_BOOL] | None = None
    best_of: Annotated[int, NOT_BOOL] | None = None
    suffix: str | None = None
    user: str | None = None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class CompletionChoice(_Open):
    text: str
    index: int
    logprobs: None = None
    finish_reason: str | None = None


class CompletionUsage(_Open):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class Completion(_Open):
    id: str
    object: Literal["text_completion"]
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage | None = None


class CompletionChunk(Completion):
    """One streamed chunk: the same shape, a piece of each choice's text at a time."""
