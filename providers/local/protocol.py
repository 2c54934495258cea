"""Messages between the provider (event loop) and its worker (thread or child process).

Plain picklable dataclasses, so the same messages cross a queue or a pipe unchanged. The
worker answers in lists (one list per scheduler step), which keeps wake-ups of the event loop
to one per step however many requests are running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# ---- provider -> worker ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SamplingParams:
    """How to pick tokens; temperature/top_p None means the model's generation_config defaults."""

    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    top_k: int | None = None  # Anthropic's and Bedrock's top_k; None: the model's default with its temperature


@dataclass(frozen=True, slots=True)
class Generate:
    rid: int
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    n: int
    params: SamplingParams


@dataclass(frozen=True, slots=True)
class Embed:
    rid: int
    texts: list[str]
    truncate: bool = False  # a text longer than the model reads is cut (else the request fails: "context")


@dataclass(frozen=True, slots=True)
class CountTokens:
    rid: int
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None


@dataclass(frozen=True, slots=True)
class Cancel:
    rid: int


@dataclass(frozen=True, slots=True)
class Shutdown:
    pass


Command = Generate | Embed | CountTokens | Cancel | Shutdown

# ---- worker -> provider ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelInfo:
    task: Literal["chat", "embeddings"]
    name: str
    device: str
    dtype: str
    max_context: int
    tools: bool = False
    dimensions: int | None = None
    parameters: int = 0
    quantize: str = "none"
    weight_bytes: int = 0  # in memory, int8 packed weights included (quantize.weight_bytes)
    runtime: str = "torch"  # embeddings: torch, onnx (ONNX Runtime), or onnx+torch (small passes on ONNX)
    decode: str = "eager"  # chat: compiled (compile: true and it compiled) or eager


@dataclass(frozen=True, slots=True)
class Progress:
    message: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Loaded:
    info: ModelInfo


@dataclass(frozen=True, slots=True)
class LoadFailed:
    message: str


@dataclass(frozen=True, slots=True)
class Accepted:
    """The prompt passed validation; ``prompt_tokens`` counted by the model's tokenizer."""

    rid: int
    prompt_tokens: int


@dataclass(frozen=True, slots=True)
class Delta:
    """New text for one choice; ``finish`` set on its last delta (text may then be empty)."""

    rid: int
    index: int
    text: str
    finish: str | None = None
    completion_tokens: int = 0
    stop: str | None = None  # the stop string that ended it (finish "stop"), as vLLM reports it


@dataclass(frozen=True, slots=True)
class Embedded:
    rid: int
    vectors: list[list[float]]
    prompt_tokens: int


@dataclass(frozen=True, slots=True)
class Counted:
    rid: int
    tokens: int


FailureKind = Literal["bad_request", "context", "unsupported", "internal"]


@dataclass(frozen=True, slots=True)
class Failed:
    rid: int
    kind: FailureKind
    message: str


@dataclass(frozen=True, slots=True)
class WorkerDied:
    message: str


@dataclass(frozen=True, slots=True)
class Stepped:
    """One batched step ran: ``rows`` requests (choices) in it, ``tokens`` generated or embedded
    (for the gateway's metrics: batch sizes, tokens per second)."""

    rows: int
    tokens: int


Event = Progress | Loaded | LoadFailed | Accepted | Delta | Embedded | Counted | Failed | WorkerDied | Stepped
