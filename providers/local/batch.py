"""A running batch for continuous batching: a KV cache that grows in place, one slot per row.

Per layer, keys and values live in preallocated buffers ``[slots, heads, capacity, head_dim]``.
Rows occupy slots ``0..size-1`` and all end at the same column ``end`` (shorter histories are
left-padded); live columns are ``[start, end)``. A decode step writes each layer's new keys at
column ``end`` and attends over views of the buffers: no concatenation, no re-padding, and the
attention mask and positions are not rebuilt. Those are rebuilt only when a row joins (its
prefilled cache is copied into the next slot) or leaves (the last row moves into its slot), and
the buffers are reallocated only when full (then the live columns move to the front; slots
double, up to the batch's limit). A batch that empties keeps its buffers for the next one.

Masked positions get exactly zero attention weight, so a row's tokens do not depend on its
neighbours (greedy output in a batch equals the output alone, which the tests check token for
token). A batch without padding passes no mask at all, as transformers does for a lone prompt.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from transformers import DynamicCache
from transformers.cache_utils import Cache, DynamicLayer

from providers.local.static_step import BufferPool, StaticLayer

if TYPE_CHECKING:
    from providers.local.static_step import StaticStep

HEADROOM = 64  # free columns after ``end`` when the buffers are (re)allocated


# On CUDA, attention runs on any backend but cuDNN's: cuDNN builds an execution plan for every new
# shape, and a decoding batch has a new one at every step (one more column, rows joining and
# leaving). On an H200 that made a step of a 16-row batch take ~45 ms instead of ~11 (BENCHMARKS.md,
# local_gpu); flash and memory-efficient attention have no per-shape setup.
CUDA_ATTENTION = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]


class ModelRunner:
    """One causal LM's forward pass, with the keyword names this transformers version uses."""

    def __init__(self, model: Any, device: str, pad_id: int) -> None:
        self.model = model
        self.device = device
        self.pad_id = pad_id
        parameters = inspect.signature(model.forward).parameters
        self.cache_kwarg = "cache" if "cache" in parameters else "past_key_values"
        self.keep_last = "logits_to_keep" in parameters
        self.backends = CUDA_ATTENTION if str(device).startswith("cuda") else None

    def __call__(
        self, ids: torch.Tensor, mask: torch.Tensor | None, positions: torch.Tensor, cache: Any
    ) -> torch.Tensor:
        with self.attention():
            return self.forward(ids, mask, positions, cache)

    def attention(self) -> contextlib.AbstractContextManager[Any]:
        """The attention backends this device may use (set around a pass, compiled or not)."""
        return sdpa_kernel(self.backends) if self.backends else contextlib.nullcontext()

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor | None, positions: torch.Tensor, cache: Any
    ) -> torch.Tensor:
        """The model's pass: each row's last logits."""
        kwargs: dict[str, Any] = {self.cache_kwarg: cache, "use_cache": True}
        if self.keep_last:
            kwargs["logits_to_keep"] = 1
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, **kwargs)
        logits: torch.Tensor = out.logits[:, -1, :]
        return logits


@dataclass
class Prefilled:
    """Prompts run together, left-padded to the longest: their cache and next-token logits."""

    cache: Any  # a transformers DynamicCache
    lengths: list[int]
    logits: torch.Tensor  # [prompts, vocab]

    @property
    def width(self) -> int:
        return max(self.lengths)


@torch.inference_mode()
def prefill(run: ModelRunner, prompts: list[list[int]]) -> Prefilled:
    lengths = [len(p) for p in prompts]
    width = max(lengths)
    ids = torch.tensor([[run.pad_id] * (width - len(p)) + p for p in prompts], device=run.device)
    if min(lengths) == width:  # no padding: no mask, as transformers does for a lone prompt
        mask = None
        positions = torch.arange(width, device=run.device).expand(len(prompts), width)
    else:
        mask = torch.tensor([[0] * (width - n) + [1] * n for n in lengths], device=run.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
    cache = DynamicCache()
    logits = run(ids, mask, positions, cache)
    return Prefilled(cache, lengths, logits)


class _SlotLayer(DynamicLayer):  # type: ignore[misc]  # transformers is untyped here
    """One layer's buffers; ``update`` writes at the batch's ``end`` and returns views."""

    def __init__(self, batch: KVBatch, keys: torch.Tensor, values: torch.Tensor) -> None:
        super().__init__()
        self.batch = batch
        self.key_buffer = keys
        self.value_buffer = values
        self.is_initialized = True
        self.device = keys.device

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        rows, new = key_states.shape[0], key_states.shape[2]
        start, end = self.batch.start, self.batch.end
        self.key_buffer[:rows, :, end : end + new] = key_states
        self.value_buffer[:rows, :, end : end + new] = value_states
        self.keys = self.key_buffer[:rows, :, start : end + new]
        self.values = self.value_buffer[:rows, :, start : end + new]
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.batch.end - self.batch.start

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.batch.end - self.batch.start + query_length, 0


class KVBatch:
    """Rows being decoded together; ``logits`` holds each row's next-token scores, in slot order.

    With a ``static`` step (a deployment's ``compile: true``, static_step.py) the buffers' slots and
    columns are powers of two, and a step runs over all of them at fixed shapes.
    """

    def __init__(
        self, run: ModelRunner, slots: int, headroom: int = HEADROOM, static: StaticStep | None = None
    ) -> None:
        self.run = run
        self.slots = slots
        self.headroom = max(1, headroom)
        self.static = static
        self.pool = BufferPool(self, slots) if static is not None else None
        self.column = torch.zeros(1, dtype=torch.long, device=run.device)  # static: the column a step writes
        self.begins_tensor = self.column  # static: each slot's first column, -1 for an empty slot
        self.begins: list[int] = []  # each row's first column
        self.start = self.end = self.capacity = 0
        self.cache: Cache | None = None
        self.layers: list[_SlotLayer | StaticLayer] = []
        self.logits: torch.Tensor | None = None
        self.mask: torch.Tensor | None = None  # [rows, capacity] bool, None when nothing is padding
        self.positions = torch.zeros(0, dtype=torch.long, device=run.device)  # each row's next position

    @property
    def size(self) -> int:
        return len(self.begins)

    def add(self, fresh: Prefilled, rows: list[int] | None = None) -> None:
        """Append ``fresh``'s prompts as rows (``rows`` picks or repeats them, in order)."""
        rows = list(range(len(fresh.lengths))) if rows is None else rows
        width, count = fresh.width, len(rows)
        if self.size + count > self.slots:
            raise ValueError(f"{self.size + count} rows do not fit in a batch of {self.slots}")
        if not self.layers:
            self._allocate(fresh.cache.layers, count, width)
        elif not self.begins:  # reuse the buffers: the new rows end where they fit
            self.start = self.end = min(width, self.capacity)
        self._fit(rows=self.size + count, left=width, right=1)
        first, end = self.size, self.end
        index = torch.tensor(rows, dtype=torch.long, device=self.run.device)
        for layer, source in zip(self.layers, fresh.cache.layers, strict=True):
            layer.key_buffer[first : first + count, :, end - width : end] = source.keys.index_select(0, index)
            layer.value_buffer[first : first + count, :, end - width : end] = source.values.index_select(0, index)
        self.begins += [end - fresh.lengths[r] for r in rows]
        self.start = min(self.start, end - width) if first else end - width
        logits = fresh.logits.index_select(0, index)
        self.logits = logits if self.logits is None or not first else torch.cat([self.logits, logits])
        self._rebuild()

    def remove(self, rows: list[int]) -> list[int]:
        """Drop these rows; the last rows move into the freed slots. Returns the new order (old indices)."""
        order = list(range(self.size))
        for row in sorted(set(rows), reverse=True):
            last = len(order) - 1
            if row != last:
                live = slice(self.start, self.end)
                for layer in self.layers:
                    layer.key_buffer[row, :, live] = layer.key_buffer[last, :, live]
                    layer.value_buffer[row, :, live] = layer.value_buffer[last, :, live]
                self.begins[row] = self.begins[last]
                order[row] = order[last]
            order.pop()
            self.begins.pop()
        if not order:
            self.logits = None
            self.start = self.end = 0
        else:
            if self.logits is not None:
                self.logits = self.logits.index_select(0, torch.tensor(order, device=self.logits.device))
            self.start = min(self.begins)
        self._rebuild()
        return order

    @torch.inference_mode()
    def step(self, tokens: list[int]) -> None:
        """One decode step: feed each row its latest token, keep the next-token logits."""
        self._fit(rows=self.size, left=0, right=1)
        if self.static is not None:
            self.logits = self.static(self, tokens)
            self.end += 1
            return
        ids = torch.tensor(tokens, device=self.run.device).unsqueeze(1)
        mask = None if self.mask is None else self.mask[:, self.start : self.end + 1]
        self.logits = self.run(ids, mask, self.positions.unsqueeze(1), self.cache)
        self.end += 1
        self.positions += 1

    # ---- layout ----------------------------------------------------------------------------

    def _rebuild(self) -> None:
        """Mask and positions from each row's first column: on joins and leaves, never per step."""
        device = self.run.device
        if self.static is not None:  # the step builds its mask and positions from these
            empty = [-1] * (self.layers[0].key_buffer.shape[0] - self.size)
            self.begins_tensor = torch.tensor(self.begins + empty, dtype=torch.long, device=device)
            return
        begins = torch.tensor(self.begins, dtype=torch.long, device=device)
        self.positions = self.end - begins
        if any(begin != self.start for begin in self.begins):
            columns = torch.arange(self.capacity, device=device)
            self.mask = columns.unsqueeze(0) >= begins.unsqueeze(1)
        else:
            self.mask = None

    def _fit(self, rows: int, left: int, right: int) -> None:
        """Make room for ``rows`` slots, ``left`` columns before ``end`` and ``right`` after it.

        A static batch also moves to a smaller shape when its own is far larger than it needs.
        """
        slots = self.layers[0].key_buffer.shape[0]
        live = self.end - self.start if self.begins else 0
        new_start = max(left - live, 0)
        capacity = new_start + live + max(right, live, self.headroom)
        fits = rows <= slots and self.end >= left and self.capacity - self.end >= right
        if self.pool is not None:
            shape = self.pool.shape(rows, capacity)
            if not fits or self.pool.oversized(shape, slots, self.capacity):
                self._relayout_static(*shape, new_start)
        elif not fits:
            self._relayout(slots if rows <= slots else min(self.slots, max(rows, 2 * slots)), new_start, capacity)

    def _allocate(self, template: list[Any], rows: int, width: int) -> None:
        """First buffers, shaped like a prefilled cache's layers (zeros: masked columns stay finite)."""
        slots, capacity = min(self.slots, max(rows, 1)), width + self.headroom
        if self.pool is not None:
            slots, capacity = self.pool.shape(rows, capacity)
            self.layers = list(self.pool.layers([(layer.keys, layer.values) for layer in template], slots, capacity))
        else:
            self.layers = [
                _SlotLayer(self, _zeros_like(layer.keys, slots, capacity), _zeros_like(layer.values, slots, capacity))
                for layer in template
            ]
        self.start = self.end = width
        self.capacity = capacity
        self.cache = Cache(layers=list(self.layers))

    def _relayout(self, slots: int, new_start: int, capacity: int) -> None:
        """New buffers (more slots or columns); the live columns move to begin at ``new_start``."""
        shift, rows = new_start - self.start, self.size
        live = slice(self.start, self.end)
        moved = slice(new_start, new_start + self.end - self.start)
        layers: list[_SlotLayer | StaticLayer] = []
        for layer in self.layers:
            keys = _zeros_like(layer.key_buffer, slots, capacity)
            values = _zeros_like(layer.value_buffer, slots, capacity)
            keys[:rows, :, moved] = layer.key_buffer[:rows, :, live]
            values[:rows, :, moved] = layer.value_buffer[:rows, :, live]
            layers.append(_SlotLayer(self, keys, values))
        self._moved_to(layers, shift, new_start, capacity)

    def _relayout_static(self, slots: int, capacity: int, new_start: int) -> None:
        """The pool's buffers of this shape (the same memory as before where it can be); live columns
        move to begin at ``new_start``, in place when the memory is the same."""
        assert self.pool is not None
        shift, rows = new_start - self.start, self.size
        live = slice(self.start, self.end)
        moved = slice(new_start, new_start + self.end - self.start)
        templates = [(layer.key_buffer, layer.value_buffer) for layer in self.layers]
        layers = self.pool.layers(templates, slots, capacity)
        for old, new in zip(self.layers, layers, strict=True):
            same = isinstance(old, StaticLayer) and old.key_base is new.key_base
            if same and not shift:
                continue
            for source, target in ((old.key_buffer, new.key_buffer), (old.value_buffer, new.value_buffer)):
                target[:rows, :, moved] = source[:rows, :, live].clone() if same else source[:rows, :, live]
        self._moved_to(list(layers), shift, new_start, capacity)

    def _moved_to(self, layers: list[_SlotLayer | StaticLayer], shift: int, new_start: int, capacity: int) -> None:
        self.layers = layers
        self.begins = [begin + shift for begin in self.begins]
        self.start, self.end, self.capacity = new_start, self.end + shift, capacity
        self.cache = Cache(layers=list(self.layers))
        self._rebuild()


def _zeros_like(tensor: torch.Tensor, slots: int, capacity: int) -> torch.Tensor:
    return tensor.new_zeros((slots, tensor.shape[1], capacity, tensor.shape[3]))
