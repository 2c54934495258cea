"""What the runtime calls return: OpenAI's chat and embedding shapes, Bedrock's Converse shapes,
and a guardrail check, as typed objects.

Every model keeps fields it does not declare (``extra="allow"``): a newer gateway, or an upstream's
own additions, never break an older client. Bedrock's objects keep Bedrock's camelCase names, so
code written against boto3's dicts reads the same attributes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


# ---------------------------------------------------------------- models


class Model(Open):
    id: str
    object: str = "model"
    created: int = 0
    owned_by: str = "strata"
    description: str | None = None
    capabilities: dict[str, bool] | None = None


# ---------------------------------------------------------------- chat (OpenAI's shape)


class FunctionCall(Open):
    name: str | None = None
    arguments: str | None = None


class ToolCall(Open):
    id: str | None = None
    type: str = "function"
    function: FunctionCall


class ChatMessage(Open):
    role: str = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    refusal: str | None = None


class Choice(Open):
    index: int = 0
    message: ChatMessage
    finish_reason: str | None = None


class Usage(Open):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class GuardrailReport(Open):
    """``strata_guardrail``: what the guardrails applied to a call did, each one's assessment inside."""

    action: str
    blocked: bool = False
    policies: list[str] = []
    input: list[dict[str, Any]] = []
    output: list[dict[str, Any]] = []


class ChatCompletion(Open):
    id: str
    object: str = "chat.completion"
    created: int = 0
    model: str
    choices: list[Choice]
    usage: Usage | None = None
    system_fingerprint: str | None = None
    strata_guardrail: GuardrailReport | None = None

    @property
    def text(self) -> str:
        """The first choice's text ("" when the model answered with tool calls only)."""
        return (self.choices[0].message.content or "") if self.choices else ""


class ToolCallDelta(Open):
    index: int = 0
    id: str | None = None
    type: str | None = None
    function: FunctionCall | None = None


class Delta(Open):
    role: str | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(Open):
    index: int = 0
    delta: Delta
    finish_reason: str | None = None


class ChatCompletionChunk(Open):
    id: str
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str
    choices: list[ChunkChoice] = []
    usage: Usage | None = None
    strata_guardrail: GuardrailReport | None = None

    @property
    def text(self) -> str:
        """The text this chunk adds to the first choice."""
        return (self.choices[0].delta.content or "") if self.choices else ""


# ---------------------------------------------------------------- embeddings


class Embedding(Open):
    index: int
    object: str = "embedding"
    embedding: list[float] | str


class EmbeddingUsage(Open):
    prompt_tokens: int = 0
    total_tokens: int = 0


class Embeddings(Open):
    object: str = "list"
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage | None = None

    @property
    def vectors(self) -> list[list[float]]:
        """The vectors in input order (base64-encoded ones are not decoded here)."""
        return [e.embedding for e in sorted(self.data, key=lambda e: e.index) if isinstance(e.embedding, list)]


# ---------------------------------------------------------------- Bedrock Converse


class ContentBlock(Open):
    text: str | None = None
    toolUse: dict[str, Any] | None = None
    toolResult: dict[str, Any] | None = None
    image: dict[str, Any] | None = None
    guardContent: dict[str, Any] | None = None


class BedrockMessage(Open):
    role: str
    content: list[ContentBlock]


class ConverseOutput(Open):
    message: BedrockMessage


class TokenUsage(Open):
    inputTokens: int = 0
    outputTokens: int = 0
    totalTokens: int = 0


class ConverseResponse(Open):
    output: ConverseOutput
    stopReason: str
    usage: TokenUsage
    metrics: dict[str, Any] = {}
    trace: dict[str, Any] | None = None
    additionalModelResponseFields: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return "".join(block.text or "" for block in self.output.message.content)


class ConverseStreamEvent(Open):
    """One ConverseStream event: ``type`` is its name (messageStart, contentBlockStart,
    contentBlockDelta, contentBlockStop, messageStop, metadata), the rest its members."""

    type: str
    role: str | None = None
    contentBlockIndex: int | None = None
    start: dict[str, Any] | None = None
    delta: dict[str, Any] | None = None
    stopReason: str | None = None
    usage: TokenUsage | None = None
    metrics: dict[str, Any] | None = None
    trace: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        """The text a contentBlockDelta adds ("" for any other event)."""
        return str((self.delta or {}).get("text") or "")


# ---------------------------------------------------------------- guardrails without a model


class GuardrailCheck(Open):
    """``/v1/guardrails/apply``: what the guardrail would do to the text, without a model call."""

    guardrail: dict[str, str]
    action: str
    blocked: bool
    outputs: list[str] = []
    policies: list[str] = []
    assessment: dict[str, Any] = {}
