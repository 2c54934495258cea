"""The worker: owns one model, in a thread or a child process (host.py decides which).

Its main thread loads the model, then runs the scheduler loop (generation.py or embedding.py).
An intake thread reads commands: it renders and tokenizes prompts, checks them against the
context window and answers token counts at once, so that neither waits for a decode step, and
hands valid work to the scheduler. Every failure is reported as an event, never raised across.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from providers.local.protocol import (
    Accepted,
    Cancel,
    Command,
    Counted,
    CountTokens,
    Embed,
    Event,
    Failed,
    Generate,
    Loaded,
    LoadFailed,
    ModelInfo,
    Progress,
    Shutdown,
)

Emit = Callable[[list[Event]], None]
Receive = Callable[[], Command]

# transformers' loading switches process-wide state (meta-device initialisation): two models
# loading at once in threads of one process corrupt each other, so loads take turns.
_LOADING = threading.Lock()


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What a worker needs, picklable for a child process."""

    name: str
    path: str
    task: Literal["chat", "embeddings"]
    device: str
    dtype: str
    quantize: str
    runtime: Literal["auto", "torch", "onnx"]
    max_batch_size: int
    max_wait_s: float
    max_context: int | None
    threads: int | None
    demo: bool
    compile: bool = False
    model_cache_dir: str | None = None  # embeddings' ONNX graphs; None: onnx_encoder.cache_dir()


def run_worker(spec: WorkerSpec, receive: Receive, emit: Emit) -> None:
    """Load, then serve until Shutdown (or the command channel closes)."""
    from providers.local.loading import go_offline

    go_offline()  # before transformers is imported

    def progress(message: str, **fields: Any) -> None:
        emit([Progress(message, {"deployment": spec.name, **fields})])

    started = time.monotonic()
    try:
        with _LOADING:
            runtime = _load(spec, progress, emit)
    except Exception as exc:  # boundary: a model that cannot load is reported, not raised
        emit([LoadFailed(_describe(exc))])
        while not isinstance(receive(), Shutdown):
            pass
        return
    progress("loaded", seconds=round(time.monotonic() - started, 2), **_summary(runtime.info))
    emit([Loaded(runtime.info)])
    intake = threading.Thread(target=runtime.intake, args=(receive,), name=f"strata-intake-{spec.name}", daemon=True)
    intake.start()
    runtime.engine.loop()


def default_threads() -> int:
    """All cores but one, which is left to the gateway's event loop.

    On a busy machine every extra thread of a parallel region waits for the slowest one; with
    the event loop competing for the same cores, one thread fewer measured 3-4x the embedding
    throughput on 2 cores (BENCHMARKS.md, "thread or process").
    """
    return max(1, (os.cpu_count() or 2) - 1)


def _describe(exc: Exception) -> str:
    from providers.local.loading import LoadError

    return str(exc) if isinstance(exc, LoadError) else f"{type(exc).__name__}: {exc}"


def _summary(info: ModelInfo) -> dict[str, Any]:
    return {
        "device": info.device,
        "dtype": info.dtype,
        "quantize": info.quantize,
        "runtime": info.runtime,
        "decode": info.decode,
        "parameters": info.parameters,
        "weight_mb": round(info.weight_bytes / 2**20, 1),
        "context": info.max_context,
    }


def _context_problem(prompt: int, asked: int | None, limit: int) -> str | None:
    """OpenAI's wording, so callers recognise it."""
    if prompt >= limit:
        return (
            f"This model's maximum context length is {limit} tokens. However, your messages resulted in "
            f"{prompt} tokens. Please reduce the length of the messages."
        )
    if asked is not None and prompt + asked > limit:
        return (
            f"This model's maximum context length is {limit} tokens. However, you requested {prompt + asked} "
            f"tokens ({prompt} in the messages, {asked} in the completion). Please reduce the length of the "
            "messages or completion."
        )
    return None


def _load(spec: WorkerSpec, progress: Callable[..., None], emit: Emit) -> _ChatRuntime | _EmbeddingRuntime:
    import torch

    from providers.local.loading import quiet_libraries, resolve_path

    torch.set_num_threads(spec.threads or default_threads())
    quiet_libraries()
    if spec.demo:
        from providers.local.demo import ensure_demo

        ensure_demo(Path(spec.path), progress)
    folder = resolve_path(spec.path)
    if spec.task == "embeddings":
        return _EmbeddingRuntime(spec, folder, progress, emit)
    return _ChatRuntime(spec, folder, progress, emit)


class _ChatRuntime:
    def __init__(self, spec: WorkerSpec, folder: Path, progress: Callable[..., None], emit: Emit) -> None:
        from providers.local.generation import GenerationEngine
        from providers.local.loading import load_causal_lm
        from providers.local.templates import supports_tools

        self.emit = emit
        self.lm = load_causal_lm(folder, spec.device, spec.dtype, spec.max_context, progress, spec.quantize)
        self.engine = GenerationEngine(
            self.lm,
            spec.max_batch_size,
            emit,
            spec.max_wait_s,
            compile=spec.compile,
            report=lambda message, fields: progress(message, **fields),
        )
        if spec.compile:
            self.engine.warm_up()
        self.info = ModelInfo(
            task="chat",
            name=spec.name,
            device=self.lm.device,
            dtype=str(self.lm.dtype).removeprefix("torch."),
            max_context=self.lm.max_context,
            tools=supports_tools(self.lm.tokenizer),
            parameters=self.lm.parameters,
            quantize=self.lm.quantize,
            weight_bytes=self.lm.weight_bytes,
            decode="compiled" if self.engine.static is not None and self.engine.static.failure is None else "eager",
        )

    def intake(self, receive: Receive) -> None:
        from providers.local.generation import STOP

        while True:
            command = receive()
            if isinstance(command, Shutdown):
                self.engine.inbox.put(STOP)
                return
            if isinstance(command, Cancel):
                self.engine.inbox.put(command)
            elif isinstance(command, CountTokens):
                prompt = self._prompt(command.rid, command.messages, command.tools)
                if prompt is not None:
                    self.emit([Counted(command.rid, len(prompt))])
            elif isinstance(command, Generate):
                self._generate(command)
            elif isinstance(command, Embed):
                self.emit([Failed(command.rid, "unsupported", "this model does not produce embeddings")])

    def _prompt(self, rid: int, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> list[int] | None:
        from providers.local.templates import render_prompt

        try:
            return render_prompt(self.lm.tokenizer, messages, tools)
        except Exception as exc:  # the template refusing the conversation (roles out of order...)
            self.emit([Failed(rid, "bad_request", f"The model's chat template refused the conversation: {exc}")])
            return None

    def _generate(self, command: Generate) -> None:
        from providers.local.generation import Job

        prompt = self._prompt(command.rid, command.messages, command.tools)
        if prompt is None:
            return
        limit, asked = self.lm.max_context, command.params.max_tokens
        problem = _context_problem(len(prompt), asked, limit)
        if problem:
            self.emit([Failed(command.rid, "context", problem)])
            return
        self.emit([Accepted(command.rid, len(prompt))])
        budget = asked if asked is not None else limit - len(prompt)
        self.engine.inbox.put(Job(command.rid, prompt, command.n, budget, command.params))


class _EmbeddingRuntime:
    def __init__(self, spec: WorkerSpec, folder: Path, progress: Callable[..., None], emit: Emit) -> None:
        from providers.local.embedder import Embedder
        from providers.local.embedding import EmbeddingEngine

        self.emit = emit
        self.embedder = Embedder(
            folder,
            spec.device,
            spec.dtype,
            progress,
            spec.quantize,
            spec.runtime,
            spec.threads or default_threads(),
            Path(spec.model_cache_dir) if spec.model_cache_dir else None,
        )
        self.engine = EmbeddingEngine(self.embedder, spec.max_batch_size, spec.max_wait_s, emit)
        self.info = ModelInfo(
            task="embeddings",
            name=spec.name,
            device=self.embedder.device,
            dtype=str(self.embedder.dtype).removeprefix("torch."),
            max_context=self.embedder.max_length,
            dimensions=self.embedder.dimensions,
            parameters=self.embedder.parameters,
            quantize=self.embedder.quantize,
            weight_bytes=self.embedder.weight_bytes,
            runtime=self.embedder.runtime,
        )

    def intake(self, receive: Receive) -> None:
        from providers.local.embedding import STOP

        while True:
            command = receive()
            if isinstance(command, Shutdown):
                self.engine.submit(STOP)
                return
            if isinstance(command, Embed | Cancel):
                self.engine.submit(command)
            elif isinstance(command, CountTokens):
                texts = [str(m.get("content") or "") for m in command.messages]
                counts = self.embedder.tokenizer(texts, add_special_tokens=False)["input_ids"]
                self.emit([Counted(command.rid, sum(len(ids) for ids in counts))])
            elif isinstance(command, Generate):
                self.emit([Failed(command.rid, "unsupported", "this model produces embeddings, not chat replies")])
