"""The decode step over fixed shapes, compiled: a deployment's ``compile: true``.

Eagerly, a decode step launches every kernel of every layer from Python, one after another. On a
GPU a small batch's step is bound by those launches and not by the device (BENCHMARKS.md,
local_gpu: a 24-layer model decoding one row used a sliver of an H200's bandwidth); on a CPU the
same Python overhead is most of a small model's step. ``torch.compile`` fuses the step's kernels
(inductor) and, on CUDA, replays them as one CUDA graph (mode ``reduce-overhead``).

Both need a step's shapes to stay the same from one step to the next. The eager step attends over
views of the live columns (one more each step); this one attends over the batch's whole buffers
``[slots, heads, capacity, dim]`` with a mask built inside the compiled graph, writes its keys at a
column given as a tensor, and feeds every slot (empty slots a padding token, their output unread).
Slots and capacity are powers of two (batch.py rounds them), so a batch meets a few shapes, each
compiled once, the first time it is met (seconds on a CPU). Greedy tokens are those of the eager
step, which the tests check token for token.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch
from transformers.cache_utils import DynamicLayer

if TYPE_CHECKING:
    from providers.local.batch import KVBatch, ModelRunner

MIN_CAPACITY = 128  # the smallest buffer, in columns: a short chat's prompt and answer fit
RECOMPILE_LIMIT = 128  # shapes per compiled step (dynamo's default, 8, would fall back to eager)

Report = Callable[[str, dict[str, Any]], None]


def round_up(count: int, floor: int = 1) -> int:
    """The power of two at or above ``count`` (at least ``floor``)."""
    return max(floor, 1 << max(count - 1, 0).bit_length())


class UnsupportedModel(ValueError):
    """The model's attention takes masks this step cannot build (flash attention, flex...)."""


class StaticLayer(DynamicLayer):  # type: ignore[misc]  # transformers is untyped here
    """One layer's buffers for the static step: ``update`` writes at ``column``, returns them whole.

    The buffers are the first ``slots`` rows of larger ones (``key_base``, ``value_base``), so that
    a batch that gives back slots and takes them again keeps its addresses.
    """

    def __init__(self, batch: KVBatch, key_base: torch.Tensor, value_base: torch.Tensor, slots: int) -> None:
        super().__init__()
        self.batch = batch
        self.key_base, self.value_base = key_base, value_base
        self.key_buffer, self.value_buffer = key_base[:slots], value_base[:slots]
        if key_base.is_cuda:  # a CUDA graph writes these in place: they must stay where it recorded them
            torch._dynamo.mark_static_address(self.key_buffer)
            torch._dynamo.mark_static_address(self.value_buffer)
        self.is_initialized = True
        self.device = key_base.device

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        column = self.batch.column
        self.key_buffer.index_copy_(2, column, key_states)
        self.value_buffer.index_copy_(2, column, value_states)
        self.keys, self.values = self.key_buffer, self.value_buffer
        return self.key_buffer, self.value_buffer

    def get_seq_length(self) -> int:
        return self.batch.end - self.batch.start

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.key_buffer.shape[2], 0


class BufferPool:
    """A static batch's buffers: one set per column count, with as many slots as were ever needed there.

    A batch meets a few shapes (powers of two) and comes back to them: to fewer slots when rows
    leave, to fewer columns when its long histories are gone (a step attends over every column, so
    a batch of short chats must not keep a long one's). Each shape is the first rows of its column
    count's set, so it is the same memory each time: a CUDA graph replays on the addresses it was
    recorded with. Memory: at most about twice the largest set.
    """

    def __init__(self, batch: KVBatch, max_slots: int) -> None:
        self.batch = batch
        self.max_slots = max_slots
        self.bases: dict[int, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    def shape(self, rows: int, columns: int) -> tuple[int, int]:
        """Slots and capacity for ``rows`` rows needing ``columns`` columns."""
        return min(self.max_slots, round_up(rows)), round_up(columns, MIN_CAPACITY)

    def oversized(self, needed: tuple[int, int], slots: int, capacity: int) -> bool:
        """A shape four times the slots or twice the columns ``needed`` (this pool's shape of the
        rows and columns in use): time to step on the smaller one."""
        return 4 * needed[0] <= slots or 2 * needed[1] <= capacity

    def layers(
        self, templates: list[tuple[torch.Tensor, torch.Tensor]], slots: int, capacity: int
    ) -> list[StaticLayer]:
        """Every layer's buffers of this shape (``templates``: a layer's keys and values, for their
        heads, dimension, dtype and device)."""
        bases = self.bases.get(capacity)
        if bases is None or bases[0][0].shape[0] < slots:
            bases = [(_zeros(keys, slots, capacity), _zeros(values, slots, capacity)) for keys, values in templates]
            self.bases[capacity] = bases
        return [StaticLayer(self.batch, keys, values, slots) for keys, values in bases]


def _zeros(like: torch.Tensor, slots: int, capacity: int) -> torch.Tensor:
    """Zeros, not garbage: masked columns must hold finite numbers."""
    return like.new_zeros((slots, like.shape[1], capacity, like.shape[3]))


def _refuse_unmaskable(config: Any, context: int | None) -> None:
    """The step's mask is causal over whole histories: models that attend otherwise are refused."""
    attention = getattr(config, "_attn_implementation", None) or "eager"
    if attention not in ("sdpa", "eager"):
        raise UnsupportedModel(f"compile needs sdpa or eager attention; this model uses {attention}")
    window = getattr(config, "sliding_window", None)
    kinds = set(getattr(config, "layer_types", None) or [])
    if isinstance(window, int) and window > 0 and kinds != {"full_attention"} and (context or 0) > window:
        raise UnsupportedModel(
            f"compile masks whole histories, and this model attends through a sliding window of {window} tokens "
            f"within its {context}-token context: give it max_context: {window} or leave compile off"
        )


class StaticStep:
    """Runs a batch's decode step over its whole buffers, compiled per shape (eager if that fails)."""

    def __init__(
        self, run: ModelRunner, report: Report | None = None, compiled: bool = True, context: int | None = None
    ) -> None:
        _refuse_unmaskable(run.model.config, context)
        self.run = run
        self.report = report or (lambda message, fields: None)
        self.additive = run.model.config._attn_implementation == "eager"  # adds its mask; sdpa takes booleans
        self.cuda = str(run.device).startswith("cuda")
        self.mode = "reduce-overhead" if self.cuda else "default"
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, RECOMPILE_LIMIT)
        with warnings.catch_warnings():  # importing inductor trips torch's own deprecations (torch.jit)
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.")
            self.compiled: Callable[..., torch.Tensor] = torch.compile(self.forward, dynamic=False, mode=self.mode)
        self.shapes: set[tuple[int, int]] = set()
        self.failure: str | None = None if compiled else "not compiled"

    def forward(self, ids: torch.Tensor, begins: torch.Tensor, column: torch.Tensor, cache: Any) -> torch.Tensor:
        """Next-token logits for every slot. ``begins``: each slot's first column, -1 when empty."""
        capacity = cache.layers[0].key_buffer.shape[2]
        live = begins >= 0
        positions = torch.where(live, column - begins, 0).unsqueeze(1)
        columns = torch.arange(capacity, device=ids.device)
        seen = torch.where(live.unsqueeze(1), columns >= begins.unsqueeze(1), columns == column)
        visible = (seen & (columns <= column))[:, None, None, :]
        if self.additive:
            dtype = self.run.model.dtype
            mask = torch.zeros(visible.shape, dtype=dtype, device=ids.device)
            mask = mask.masked_fill(~visible, torch.finfo(dtype).min)
        else:
            mask = visible
        return self.run.forward(ids, mask, positions, cache)

    def __call__(self, batch: KVBatch, tokens: list[int]) -> torch.Tensor:
        """One step for ``batch`` (already fitted): its rows' logits."""
        slots = batch.layers[0].key_buffer.shape[0]
        ids = torch.tensor(tokens + [self.run.pad_id] * (slots - len(tokens)), device=self.run.device).unsqueeze(1)
        batch.column.fill_(batch.end)
        with self.run.attention():
            logits = self._step(batch, ids, slots)
        rows = logits[: len(tokens)]
        return rows.clone() if self.cuda else rows  # a CUDA graph's output is overwritten by its next replay

    def _step(self, batch: KVBatch, ids: torch.Tensor, slots: int) -> torch.Tensor:
        args = (ids, batch.begins_tensor, batch.column, batch.cache)
        if self.failure is not None:
            return self.forward(*args)
        shape = (slots, batch.capacity)
        started = time.monotonic()
        if self.cuda:
            torch.compiler.cudagraph_mark_step_begin()  # type: ignore[no-untyped-call]
        try:
            logits = self.compiled(*args)
        except Exception as exc:  # boundary: a model that does not compile still decodes, eagerly
            self.failure = f"{type(exc).__name__}: {exc}"
            self.report("decode step not compiled; decoding eagerly", {"error": self.failure[:500]})
            return self.forward(*args)
        if shape not in self.shapes:
            self.shapes.add(shape)
            self.report(
                "decode step compiled",
                {
                    "slots": slots,
                    "capacity": batch.capacity,
                    "mode": self.mode,
                    "seconds": round(time.monotonic() - started, 2),
                },
            )
        return logits
