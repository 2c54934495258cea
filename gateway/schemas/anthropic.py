"""Anthropic Messages wire objects, for the OpenAPI schema of ``/v1/messages``, and the API's
rules that JSON types alone do not say.

Requests are not validated through these models (the translator reads the JSON once, checking
each value's type, and the sampling ranges declared here, as it goes:
gateway/translate/anthropic_messages.py); they say what the routes take and answer. The routes
then apply ``check_request`` (below) to the same JSON: what Anthropic's API refuses beyond types
and ranges, which the gateway refuses too rather than send it on to a model.
"""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict, Field

from gateway.errors import InvalidRequest
from providers.canonical import NOT_BOOL

ImageMediaType = Literal["image/jpeg", "image/png", "image/gif", "image/webp"]
ThinkingType = Literal["enabled", "disabled", "adaptive", "between_tools"]  # the anthropic SDK's
TOOL_NAME = r"^[a-zA-Z0-9_-]{1,128}$"  # a custom tool's name, as Anthropic documents it
MIN_THINKING_BUDGET = 1024


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


CacheControl = dict[str, Any]  # {"type": "ephemeral", "ttl": "5m"}: passed on to upstreams that cache prompts


class TextBlockParam(_Open):
    type: Literal["text"]
    text: str
    cache_control: CacheControl | None = None


class ImageSource(_Open):
    type: Literal["base64", "url"]
    media_type: ImageMediaType | None = None
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
    name: str = Field(pattern=TOOL_NAME)
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
    type: ThinkingType
    budget_tokens: int | None = Field(default=None, ge=MIN_THINKING_BUDGET)  # and below max_tokens


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


def _bounds(field: str) -> tuple[float | None, float | None]:
    """A field's range (lowest, highest), as MessagesRequest declares it."""
    rules = MessagesRequest.model_fields[field].metadata
    low = next((rule.ge for rule in rules if isinstance(rule, Ge)), None)
    high = next((rule.le for rule in rules if isinstance(rule, Le)), None)
    return (low if isinstance(low, int | float) else None), (high if isinstance(high, int | float) else None)


# The translator holds sampling values to these (Anthropic's ranges: temperature up to 1, not 2).
SAMPLING_BOUNDS = {name: _bounds(name) for name in ("temperature", "top_p", "top_k")}


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


# ---------------------------------------------------------------- rules beyond types and ranges

Json = dict[str, Any]
_IMAGE_MEDIA_TYPES = frozenset(get_args(ImageMediaType))
_THINKING_TYPES = get_args(ThinkingType)
_TOOL_NAME = re.compile(TOOL_NAME.strip("^$"))  # fullmatch: "$" would let a final newline through


def check_request(body: Json, *, counting: bool = False) -> None:
    """Refuse what Anthropic's API refuses in a body the translator has read (so its types are
    right): tools without a schema, or with a bad or repeated name; a thinking type or budget it
    does not take (``counting``: count_tokens' body, which has no ``max_tokens``); empty content;
    images it cannot read; tool results that answer no tool use of the turn before."""
    _check_tools(body.get("tools") or [])
    _check_thinking(body.get("thinking"), None if counting else body.get("max_tokens"))
    _check_messages(body["messages"])


def _check_tools(tools: list[Json]) -> None:
    names: set[str] = set()
    for i, tool in enumerate(tools):
        name = tool["name"]
        if not _TOOL_NAME.fullmatch(name):
            raise InvalidRequest(f"tools.{i}.name: String should match pattern '{TOOL_NAME}'.", param=f"tools.{i}.name")
        if name in names:
            raise InvalidRequest(f"tools: Tool names must be unique ({name!r} is given twice).", param="tools")
        names.add(name)
        if tool.get("input_schema") is None:
            raise InvalidRequest(f"tools.{i}.input_schema: Field required.", param=f"tools.{i}.input_schema")


def _check_thinking(thinking: Json | None, max_tokens: int | None) -> None:
    if thinking is None:
        return
    if thinking.get("type") not in _THINKING_TYPES:
        expected = ", ".join(repr(t) for t in _THINKING_TYPES)
        raise InvalidRequest(f"thinking.type: Input should be one of {expected}.", param="thinking.type")
    if thinking["type"] != "enabled":
        return
    budget = thinking.get("budget_tokens")
    where = "thinking.budget_tokens"
    if not isinstance(budget, int) or isinstance(budget, bool):
        raise InvalidRequest(f"{where}: an integer is required when thinking is enabled.", param=where)
    if budget < MIN_THINKING_BUDGET:
        raise InvalidRequest(f"{where}: Input should be greater than or equal to {MIN_THINKING_BUDGET}.", param=where)
    if max_tokens is not None and budget >= max_tokens:
        raise InvalidRequest(f"max_tokens ({max_tokens}) must be greater than {where} ({budget}).", param="max_tokens")


def _check_messages(messages: list[Json]) -> None:
    uses: set[str] = set()  # the tool uses of the latest assistant turn (consecutive messages are one turn)
    for i, message in enumerate(messages):
        content, assistant = message["content"], message["role"] == "assistant"
        if not content and not (assistant and i == len(messages) - 1):
            raise InvalidRequest(
                f"messages.{i}: all messages must have non-empty content except for the optional final "
                "assistant message.",
                param=f"messages.{i}.content",
            )
        blocks: list[Json] = content if isinstance(content, list) else []
        if assistant:
            if i == 0 or messages[i - 1]["role"] != "assistant":
                uses = set()
            uses.update(block["id"] for block in blocks if block["type"] == "tool_use")
        for j, block in enumerate(blocks):
            _check_block(block, f"messages.{i}.content.{j}", uses)


def _check_block(block: Json, at: str, uses: set[str]) -> None:
    kind = block["type"]
    if kind == "text" and not block["text"]:
        raise InvalidRequest(f"{at}.text: text content blocks must be non-empty.", param=f"{at}.text")
    if kind == "image":
        _check_image(block["source"], f"{at}.source")
    elif kind == "tool_result":
        if block["tool_use_id"] not in uses:
            raise InvalidRequest(
                f"{at}: unexpected `tool_use_id` found in `tool_result` blocks: {block['tool_use_id']}. Each "
                "`tool_result` block must have a corresponding `tool_use` block in the previous message.",
                param=at,
            )
        inner = block.get("content")
        for k, part in enumerate(inner if isinstance(inner, list) else []):
            if part["type"] == "image":
                _check_image(part["source"], f"{at}.content.{k}.source")


def _check_image(source: Json, at: str) -> None:
    if source["type"] == "url":
        try:
            parts = urlsplit(source["url"])
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise InvalidRequest(f"{at}.url: only http:// and https:// image URLs are supported.", param=f"{at}.url")
        return
    if source["media_type"] not in _IMAGE_MEDIA_TYPES:
        expected = ", ".join(repr(t) for t in get_args(ImageMediaType))
        raise InvalidRequest(f"{at}.media_type: Input should be one of {expected}.", param=f"{at}.media_type")
    if not source["data"]:
        raise InvalidRequest(f"{at}.data: image cannot be empty.", param=f"{at}.data")
    try:
        base64.b64decode(source["data"], validate=True)
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise InvalidRequest(f"{at}.data: invalid base64 data.", param=f"{at}.data") from None
