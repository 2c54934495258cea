"""OpenAI Responses API wire shapes (``POST /v1/responses`` and the stored-response endpoints).

The request is validated once from the JSON bytes, strictly (a value of the wrong JSON type is a
400 naming it, as at OpenAI, never coerced: ``"stream": "yes"``); its input items, tools and text
format are kept as plain JSON and checked by the translator (gateway/translate/openai_responses.py),
which names the item or tool it does not support instead of failing a union match. Unknown
top-level fields are kept (``extra="allow"``): vendor parameters pass on to the upstream, as on the
chat surface. Responses are built as plain dicts (cheaper on the hot path); the models below
document them in the OpenAPI schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from providers.canonical import NOT_BOOL

MetadataKey = Annotated[str, StringConstraints(max_length=64)]
MetadataValue = Annotated[str, StringConstraints(max_length=512)]


class ResponsesRequest(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)

    model: str = Field(min_length=1)
    input: str | list[dict[str, Any]]
    instructions: str | None = None
    previous_response_id: str | None = Field(default=None, min_length=1, max_length=128)
    store: bool | None = None  # None: True, as at OpenAI
    stream: bool | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    text: dict[str, Any] | None = None
    max_output_tokens: Annotated[int, NOT_BOOL, Field(ge=1)] | None = None
    temperature: Annotated[float, NOT_BOOL, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, NOT_BOOL, Field(ge=0, le=1)] | None = None
    metadata: Annotated[dict[MetadataKey, MetadataValue], Field(max_length=16)] | None = None  # OpenAI's bounds
    user: str | None = None
    reasoning: dict[str, Any] | None = None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ResponseUsage(_Open):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: dict[str, int] | None = None
    output_tokens_details: dict[str, int] | None = None


class ResponseObject(_Open):
    """A response: its output items (``message`` with ``output_text`` parts, ``function_call``)."""

    id: str
    object: Literal["response"]
    created_at: float
    status: Literal["completed", "incomplete", "failed", "in_progress"]
    model: str
    output: list[dict[str, Any]]
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    usage: ResponseUsage | None = None


class ResponseStreamEvent(_Open):
    """One server-sent event of a streamed response (``event:`` names its ``type``)."""

    type: str
    sequence_number: int


class ResponseDeleted(BaseModel):
    id: str
    object: Literal["response.deleted"] = "response.deleted"
    deleted: bool = True


class ResponseItemList(BaseModel):
    object: Literal["list"] = "list"
    data: list[dict[str, Any]]
    first_id: str | None
    last_id: str | None
    has_more: bool
