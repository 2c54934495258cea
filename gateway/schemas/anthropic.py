"""Anthropic Messages wire objects, for the OpenAPI schema of ``/v1/messages``.

Requests are not validated through these models (the translator reads the JSON once,
gateway/translate/anthropic_messages.py); they say what the routes take and answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from providers.canonical import NOT_BOOL


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


CacheControl = dict[str, Any]  # {"type": "ephemeral", "ttl": "5m"}: passed on to upstreams that cache prompts


class TextBlockParam(_Open):
    type: Literal["text"]
    text: str
    cache_control: CacheControl | None = None


class ImageSource(_Open):
    type: Literal["base64", "url"]
    media_type: str | None = None
    data: str | None = None
    url: str | None = None


class ImageBlockParam(_Open):
    type: Literal["image"]
    source: ImageSource
    cache_control: CacheControl | None = None


class DocumentBlockParam(_Open):
    type: Literal["document"]
    source: dict[str, Any]
    title: str | None = None
    cache_control: CacheControl | None = None


class ToolUseBlockParam(_Open):
    type: Literal["tool_use"]
    id: str
    name: str
    input: dict[str, Any]
    cache_control: CacheControl | None = None


class ToolResultBlockParam(_Open):
    type: Literal["tool_result"]
    tool_use_id: str
    content: str | list[TextBlockParam | ImageBlockParam] | None = None
    is_error: bool | None = None
    cache_control: CacheControl | None = None


class ThinkingBlockParam(_Open):
    type: Literal["thinking"]
    thinking: str
    signature: str


class RedactedThinkingBlockParam(_Open):
    type: Literal["redacted_thinking"]
    data: str


ContentBlockParam = Annotated[
    TextBlockParam
    | ImageBlockParam
    | DocumentBlockParam
    | ToolUseBlockParam
    | ToolResultBlockParam
    | ThinkingBlockParam
    | RedactedThinkingBlockParam,
    Field(discriminator="type"),
]


class MessageParam(_Open):
    role: Literal["user", "assistant"]
    content: str | list[ContentBlockParam]


class ToolParam(_Open):
    name: str = Field(min_length=1)
    description: str | None = None
    input_schema: dict[str, Any]
    type: Literal["custom"] | None = None
    cache_control: CacheControl | None = None


class ToolChoiceParam(_Open):
    type: Literal["auto", "any", "tool", "none"]
    name: str | None = None
    disable_parallel_tool_use: bool | None = None


class MetadataParam(_Open):
    user_id: str | None = None


class ThinkingConfigParam(_Open):
    type: Literal["enabled", "disabled", "adaptive"]
    budget_tokens: int | None = None


class CountTokensRequest(_Open):
    """The body of ``POST /v1/messages/count_tokens``: a Messages request without ``max_tokens``."""

    model: str = Field(min_length=1)
    messages: list[MessageParam] = Field(min_length=1)
    system: str | list[TextBlockParam] | None = None
    tools: list[ToolParam] | None = None
    tool_choice: ToolChoiceParam | None = None
    thinking: ThinkingConfigParam | None = None


class MessagesRequest(CountTokensRequest):
    """The body of ``POST /v1/messages``. ``temperature``, ``top_p`` and ``top_k`` are taken too."""

    max_tokens: Annotated[int, NOT_BOOL] = Field(ge=1)
    metadata: MetadataParam | None = None
    stop_sequences: list[str] | None = None
    stream: bool | None = None
    temperature: Annotated[float, NOT_BOOL] | None = Field(default=None, ge=0, le=1)
    top_p: Annotated[float, NOT_BOOL] | None = Field(default=None, ge=0, le=1)
    top_k: Annotated[int, NOT_BOOL] | None = Field(default=None, ge=0)


# ---------------------------------------------------------------- responses


class TextBlock(_Open):
    type: Literal["text"]
    text: str


class ToolUseBlock(_Open):
    type: Literal["tool_use"]
    id: str
    name: str
    input: dict[str, Any]


class ThinkingBlock(_Open):
    type: Literal["thinking"]
    thinking: str
    signature: str


class RedactedThinkingBlock(_Open):
    type: Literal["redacted_thinking"]
    data: str


class MessageUsage(_Open):
    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None


class MessageResponse(_Open):
    """A message; a guardrail's report (``strata_guardrail``) rides beside the usual fields."""

    id: str
    type: Literal["message"]
    role: Literal["assistant"]
    model: str
    content: list[
        Annotated[TextBlock | ToolUseBlock | ThinkingBlock | RedactedThinkingBlock, Field(discriminator="type")]
    ]
    stop_reason: str | None
    stop_sequence: str | None
    usage: MessageUsage


class MessageStreamEvent(_Open):
    """One stream event's data: message_start, content_block_start/delta/stop, message_delta,
    message_stop, ping or error (the SSE ``event:`` line names it too)."""

    type: str


class MessageTokensCount(BaseModel):
    input_tokens: int


class AnthropicErrorDetail(BaseModel):
    type: str
    message: str


class AnthropicErrorResponse(BaseModel):
    type: Literal["error"]
    error: AnthropicErrorDetail
    request_id: str | None = None
