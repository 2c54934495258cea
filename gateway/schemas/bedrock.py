"""Bedrock's wire shapes (botocore's ``bedrock-runtime`` 2023-09-30 and ``bedrock`` 2023-04-20 models).

Requests are validated once, here, from the JSON bytes; the translators in ``gateway/translate``
turn them into canonical requests. Field names are Bedrock's own camelCase, and the bounds,
patterns and enums are botocore's. Types are strict, as Bedrock's are: ``"maxTokens": "5"`` is
refused, not read as 5. Bedrock's unions (a content block is *one of* text, image, toolUse...)
are models whose members are all optional and of which at most one may be set; they keep unknown
members (``extra="allow"``) so that the translator can name a block it does not support instead
of silently dropping it. Blobs arrive base64-encoded (that is how botocore sends them in JSON)
and are kept that way: an image goes on to the upstream as a data URL.

Responses are built as plain dicts by the translators (cheaper than models on the hot path);
the response models below document them in the OpenAPI schema.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, StringConstraints, model_validator

from providers.canonical import NOT_BOOL


class _Wire(BaseModel):
    """Request shapes: unknown fields (prompt variables, output config...) are ignored; types are strict."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, strict=True)


class _Union(BaseModel):
    """A Bedrock union: at most one member set (none is left to the translator to name); unknown
    members are kept to be named."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)

    def member_names(self) -> list[str]:
        """The members set, as the caller spelled them (``bytes``, ``json``)."""
        fields = type(self).model_fields
        return sorted((fields[n].alias or n) if n in fields else n for n in self.model_fields_set)  # extras included

    @model_validator(mode="after")
    def _one_member(self) -> _Union:
        members = self.member_names()
        if len(members) > 1:  # one would be silently dropped
            raise ValueError(f"exactly one member must be set, not {len(members)} ({', '.join(members)})")
        return self


class CachePointBlock(_Wire):
    type: Literal["default"]
    ttl: Literal["5m", "1h"] | None = None


# botocore's ToolUseId: what identifies a tool call in toolUse and toolResult blocks.
ToolUseId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_.:-]+$")]
# The DocumentBlock name, as botocore documents it: alphanumerics, whitespace (never two in a row),
# hyphens, parentheses and square brackets. It is written into the prompt (<document name="...">),
# so nothing that could close that tag or speak in the prompt's voice gets in.
_DOCUMENT_NAME = re.compile(r"[a-zA-Z0-9\-()\[\]]*(?:\s[a-zA-Z0-9\-()\[\]]+)*\s?")


def _document_name(name: str) -> str:
    if not _DOCUMENT_NAME.fullmatch(name):
        raise ValueError(
            "a document name may hold only letters, digits, hyphens, parentheses, square brackets"
            " and whitespace (never two whitespace characters in a row)"
        )
    return name


DocumentName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_document_name)]


class S3Source(_Wire):
    uri: str


class ImageSource(_Union):
    data: str | None = Field(default=None, alias="bytes", min_length=1)
    s3Location: S3Source | None = None


class ImageBlock(_Wire):
    format: Literal["png", "jpeg", "gif", "webp"]
    source: ImageSource


class DocumentText(_Wire):
    text: str


class DocumentSource(_Union):
    data: str | None = Field(default=None, alias="bytes", min_length=1)
    text: str | None = None
    content: list[DocumentText] | None = None
    s3Location: S3Source | None = None


class DocumentBlock(_Wire):
    format: Literal["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"] | None = None
    name: DocumentName
    source: DocumentSource


class ToolUseBlock(_Wire):
    toolUseId: ToolUseId
    name: Annotated[str, Field(min_length=1, max_length=64)]
    input: Any = None


class ToolResultContent(_Union):
    json_: Any = Field(default=None, alias="json")
    text: str | None = None
    image: ImageBlock | None = None
    document: DocumentBlock | None = None


class ToolResultBlock(_Wire):
    toolUseId: ToolUseId
    content: list[ToolResultContent]
    status: Literal["success", "error"] | None = None


class GuardContentText(_Wire):
    text: str
    qualifiers: list[Literal["grounding_source", "query", "guard_content"]] | None = None


class GuardContent(_Union):
    text: GuardContentText | None = None


class ContentBlock(_Union):
    text: str | None = None
    image: ImageBlock | None = None
    document: DocumentBlock | None = None
    toolUse: ToolUseBlock | None = None
    toolResult: ToolResultBlock | None = None
    guardContent: GuardContent | None = None
    cachePoint: CachePointBlock | None = None
    reasoningContent: dict[str, Any] | None = None


class ConverseMessage(_Wire):
    role: Literal["user", "assistant", "system"]
    content: list[ContentBlock]


class SystemBlock(_Union):
    text: str | None = None
    guardContent: GuardContent | None = None
    cachePoint: CachePointBlock | None = None


# Converse's requestMetadata, as Bedrock bounds it (botocore's RequestMetadata): 1 to 16 entries,
# keys of 1-256 characters, values of 0-256, both of letters, digits, whitespace and :_@$#=/+,-.
# It lands in usage records and invocation logs.
_METADATA_PATTERN = r"^[a-zA-Z0-9\s:_@$#=/+,\-.]*$"
RequestMetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=_METADATA_PATTERN)]
RequestMetadataValue = Annotated[str, StringConstraints(max_length=256, pattern=_METADATA_PATTERN)]


class InferenceConfig(_Wire):
    maxTokens: Annotated[int, NOT_BOOL, Field(ge=1)] | None = None
    temperature: Annotated[float, NOT_BOOL, Field(ge=0, le=1)] | None = None
    topP: Annotated[float, NOT_BOOL, Field(ge=0, le=1)] | None = None
    stopSequences: Annotated[list[Annotated[str, Field(min_length=1)]], Field(max_length=2500)] | None = None


class ToolInputSchema(_Union):
    json_: dict[str, Any] | None = Field(default=None, alias="json")


class ToolSpec(_Wire):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-zA-Z0-9_-]+$")]
    description: str | None = None
    inputSchema: ToolInputSchema
    strict: bool | None = None


class ToolEntry(_Union):
    toolSpec: ToolSpec | None = None
    cachePoint: CachePointBlock | None = None


class SpecificTool(_Wire):
    name: str


class ToolChoice(_Union):
    auto: dict[str, Any] | None = None
    any_: dict[str, Any] | None = Field(default=None, alias="any")
    tool: SpecificTool | None = None


class ToolConfig(_Wire):
    tools: Annotated[list[ToolEntry], Field(min_length=1)]
    toolChoice: ToolChoice | None = None


class GuardrailConfig(_Wire):
    """Converse's guardrailConfig (ConverseStream's adds streamProcessingMode)."""

    guardrailIdentifier: str = Field(default="", max_length=2048)
    guardrailVersion: str = Field(default="", pattern=r"^(|[1-9][0-9]{0,7}|DRAFT)$")
    trace: Literal["enabled", "disabled", "enabled_full"] | None = None
    streamProcessingMode: Literal["sync", "async"] | None = None


class PerformanceConfig(_Wire):
    latency: Literal["standard", "optimized"] | None = None


class ServiceTier(_Wire):
    type: Literal["priority", "default", "flex", "reserved"]


class ConverseRequest(_Wire):
    """The body of ``POST /model/{modelId}/converse`` and ``/converse-stream``. ``performanceConfig``
    and ``serviceTier`` are checked as Bedrock checks them, and change nothing here."""

    messages: list[ConverseMessage] = Field(default_factory=list)
    system: list[SystemBlock] | None = None
    inferenceConfig: InferenceConfig | None = None
    toolConfig: ToolConfig | None = None
    additionalModelRequestFields: dict[str, Any] | None = None
    requestMetadata: (
        Annotated[dict[RequestMetadataKey, RequestMetadataValue], Field(min_length=1, max_length=16)] | None
    ) = None
    guardrailConfig: GuardrailConfig | None = None
    performanceConfig: PerformanceConfig | None = None
    serviceTier: ServiceTier | None = None


class ConverseTokensInput(_Wire):
    messages: list[ConverseMessage] = Field(default_factory=list)
    system: list[SystemBlock] | None = None
    toolConfig: ToolConfig | None = None
    additionalModelRequestFields: dict[str, Any] | None = None


class InvokeTokensInput(_Wire):
    body: str


class CountTokensInput(_Union):
    invokeModel: InvokeTokensInput | None = None
    converse: ConverseTokensInput | None = None


class CountTokensRequest(_Wire):
    """The body of ``POST /model/{modelId}/count-tokens``."""

    input: CountTokensInput


class CountTokensResponse(_Wire):
    inputTokens: int


class GuardrailImageSource(_Union):
    data: str | None = Field(default=None, alias="bytes", min_length=1)


class GuardrailImageBlock(_Wire):
    format: Literal["png", "jpeg"]
    source: GuardrailImageSource


class GuardrailContentBlock(_Union):
    text: GuardContentText | None = None
    image: GuardrailImageBlock | None = None  # counted in guardrailCoverage, never evaluated


class ApplyGuardrailRequest(_Wire):
    """The body of ``POST /guardrail/{id}/version/{version}/apply`` (images are not evaluated by
    Strata's guardrails)."""

    source: Literal["INPUT", "OUTPUT"]
    content: list[GuardrailContentBlock] = Field(min_length=1)
    outputScope: Literal["INTERVENTIONS", "FULL"] = "INTERVENTIONS"


class NativeBody(RootModel[dict[str, Any]]):
    """A model-native InvokeModel body: Anthropic Messages, Titan, Cohere, Llama or OpenAI chat."""


# ---------------------------------------------------------------- responses (documentation)


class TokenUsage(_Wire):
    inputTokens: int
    outputTokens: int
    totalTokens: int
    cacheReadInputTokens: int | None = None


class ConverseMetrics(_Wire):
    latencyMs: int


class ConverseOutput(_Wire):
    message: ConverseMessage


class ConverseResponse(_Wire):
    """Converse's answer; ConverseStream sends the same content as event-stream frames."""

    output: ConverseOutput
    stopReason: str
    usage: TokenUsage
    metrics: ConverseMetrics
    additionalModelResponseFields: dict[str, Any] | None = None
    trace: dict[str, Any] | None = None


class FoundationModelLifecycle(_Wire):
    status: Literal["ACTIVE", "LEGACY"] = "ACTIVE"


class FoundationModelSummary(_Wire):
    modelArn: str
    modelId: str
    modelName: str
    providerName: str
    inputModalities: list[str]
    outputModalities: list[str]
    responseStreamingSupported: bool
    customizationsSupported: list[str] = Field(default_factory=list)
    inferenceTypesSupported: list[str]
    modelLifecycle: FoundationModelLifecycle = Field(default_factory=FoundationModelLifecycle)


class ListFoundationModelsResponse(_Wire):
    modelSummaries: list[FoundationModelSummary]


class GetFoundationModelResponse(_Wire):
    modelDetails: FoundationModelSummary


class BedrockErrorResponse(_Wire):
    """Bedrock's error body; botocore reads the exception class from ``x-amzn-ErrorType``."""

    message: str
