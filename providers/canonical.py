"""The canonical request and response types every surface translates to and from.

They follow OpenAI's chat-completions and embeddings shapes. Fields Strata does not know are
kept (``extra="allow"``) so that vendor parameters pass through to upstreams untouched.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator


def _not_a_boolean(value: Any) -> Any:
    """JSON's true is not the number 1: a 400, not a one-token answer (pydantic's lax mode takes it)."""
    if isinstance(value, bool):
        raise ValueError("Input should be a number, not a boolean")
    return value


NOT_BOOL = BeforeValidator(_not_a_boolean)  # for numeric request fields: Annotated[int, NOT_BOOL, ...]


class _Open(BaseModel):
    """A model that keeps unknown fields, for forward compatibility with the OpenAI API.

    Strata renders with ``exclude_unset`` so that what an upstream sent passes through as sent.
    """

    model_config = ConfigDict(extra="allow")


class _Built(_Open):
    """An object Strata may build itself: ``_always`` fields count as set even when defaulted.

    Only these classes define ``model_post_init``: pydantic calls back into Python for every
    instance of a class that has one, which on hot-path parsing is measurable.
    """

    _always: ClassVar[frozenset[str]] = frozenset()

    def model_post_init(self, context: Any, /) -> None:
        self.__pydantic_fields_set__.update(self._always)


class ContentPart(_Open):
    """One part of a multi-part message: text, image_url, input_audio, file..."""

    type: str
    text: str | None = Field(default=None, validate_default=True)
    image_url: dict[str, Any] | None = None

    @field_validator("text")
    @classmethod
    def _text_has_its_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A text part without its text was answered as an empty prompt; OpenAI refuses it."""
        if value is None and info.data.get("type") == "text":
            raise ValueError('a text part needs its text: {"type": "text", "text": "..."}')
        return value


class FunctionCall(_Open):
    name: str
    arguments: str


class ToolCall(_Open):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(_Open):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None

    def text(self) -> str:
        """The message's text, parts joined; images and other parts contribute nothing."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text or "" for part in self.content if part.type == "text")


class FunctionDefinition(_Open):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class Tool(_Open):
    type: Literal["function"] = "function"
    function: FunctionDefinition


class StreamOptions(_Open):
    include_usage: bool | None = None


class ResponseFormat(_Open):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: dict[str, Any] | None = None


ToolChoice = Literal["none", "auto", "required"] | dict[str, Any]


class ChatCompletionRequest(_Open):
    model: str = Field(min_length=1)
    messages: list[Message] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: Annotated[int, NOT_BOOL, Field(ge=1)] | None = None
    max_completion_tokens: Annotated[int, NOT_BOOL, Field(ge=1)] | None = None
    temperature: Annotated[float, NOT_BOOL, Field(ge=0, le=2)] | None = None
    top_p: Annotated[float, NOT_BOOL, Field(ge=0, le=1)] | None = None
    n: Annotated[int, NOT_BOOL, Field(ge=1, le=128)] | None = None
    stop: str | list[str] | None = None
    seed: Annotated[int, NOT_BOOL] | None = None
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | None = None
    response_format: ResponseFormat | None = None
    user: str | None = None
    logprobs: bool | None = None
    top_logprobs: Annotated[int, NOT_BOOL, Field(ge=0, le=20)] | None = None
    # Set by the Anthropic surface when the request carries Anthropic's extensions (cache_control,
    # thinking): providers/anthropic_extensions.py. Never serialized.
    _anthropic_extensions: bool = PrivateAttr(default=False)

    def output_limit(self) -> int | None:
        """The caller's cap on generated tokens, whichever of the two fields it used."""
        return self.max_completion_tokens or self.max_tokens

    def wants_stream_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    def wants_logprobs(self) -> bool:
        """Asked for the tokens' log probabilities (a deployment capability: providers/base.py)."""
        return bool(self.logprobs or self.top_logprobs)


class PromptTokensDetails(_Open):
    cached_tokens: int | None = None


class Usage(_Open):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: PromptTokensDetails | None = None

    def cached_prompt_tokens(self) -> int:
        details = self.prompt_tokens_details
        return (details.cached_tokens or 0) if details is not None else 0


class AssistantMessage(_Built):
    _always = frozenset({"role", "content"})

    role: Literal["assistant"] = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    refusal: str | None = None


class Choice(_Built):
    _always = frozenset({"index", "finish_reason"})

    index: int = 0
    message: AssistantMessage
    finish_reason: str | None = None


class ChatCompletion(_Built):
    _always = frozenset({"object"})

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage | None = None


class ToolCallDelta(_Open):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: dict[str, Any] | None = None


class Delta(_Open):
    role: str | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(_Built):
    _always = frozenset({"index", "finish_reason"})

    index: int = 0
    delta: Delta
    finish_reason: str | None = None


class ChatCompletionChunk(_Built):
    _always = frozenset({"object"})

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None


EmbeddingInput = str | list[str] | list[int] | list[list[int]]


class EmbeddingRequest(_Open):
    model: str = Field(min_length=1)
    input: EmbeddingInput
    encoding_format: Literal["float", "base64"] | None = None
    dimensions: Annotated[int, NOT_BOOL, Field(ge=1)] | None = None
    user: str | None = None

    def texts(self) -> list[str]:
        """Inputs given as text; token-id inputs are not text and are left out."""
        if isinstance(self.input, str):
            return [self.input]
        return [item for item in self.input if isinstance(item, str)]


class Embedding(_Built):
    _always = frozenset({"object"})

    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class EmbeddingUsage(_Open):
    prompt_tokens: int = 0
    total_tokens: int = 0


class EmbeddingResponse(_Built):
    _always = frozenset({"object", "usage"})

    object: Literal["list"] = "list"
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage = Field(default_factory=EmbeddingUsage)
