"""A running batch for continuous batching: left-padded KV cache, attention mask, positions, logits.

Every row of a batch is at the same point of the loop: its cache holds all its tokens so far and
``logits`` holds its next-token scores. New rows are prefilled on their own (left-padded among
themselves) and merged in by padding the shorter cache on the left; finished rows are dropped
with an index select, and columns that became padding for every row are trimmed away. Masked
positions get exactly zero attention weight, so a row's tokens do not depend on its neighbours
(greedy output in a batch equals the output alone, which the tests check token for token).
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from transformers import DynamicCache


class ModelRunner:
    """One causal LM's forward pass, with the keyword names this transformers version uses."""

    def __init__(self, model: Any, device: str, pad_id: int) -> None:
        self.model = model
        self.device = device
        self.pad_id = pad_id
        parameters = inspect.signature(model.forward).parameters
        self.cache_kwarg = "cache" if "cache" in parameters else "past_key_values"
        self.keep_last = "logits_to_keep" in parameters

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor, cache: Any) -> torch.Tensor:
        kwargs: dict[str, Any] = {self.cache_kwarg: cache, "use_cache": True}
        if self.keep_last:
            kwargs["logits_to_keep"] = 1
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, **kwargs)
        logits: torch.Tensor = out.logits[:, -1, :]
        return logits


def _pad_left(tensor: torch.Tensor, length: int, dim: int) -> torch.Tensor:
    missing = length - tensor.shape[dim]
    if missing <= 0:
        return tensor
    shape = list(tensor.shape)
    shape[dim] = missing
    return torch.cat([tensor.new_zeros(shape), tensor], dim=dim)


class KVBatch:
    def __init__(self, cache: Any, mask: torch.Tensor, last_position: torch.Tensor, logits: torch.Tensor) -> None:
        self.cache = cache
        self.mask = mask  # [rows, length], 0 = padding
        self.last_position = last_position  # [rows]
        self.logits = logits  # [rows, vocab]

    @property
    def size(self) -> int:
        return int(self.mask.shape[0])

    @classmethod
    @torch.inference_mode()
    def prefill(cls, run: ModelRunner, prompts: list[list[int]]) -> KVBatch:
        length = max(len(p) for p in prompts)
        ids = torch.tensor([[run.pad_id] * (length - len(p)) + p for p in prompts], device=run.device)
        mask = torch.tensor([[0] * (length - len(p)) + [1] * len(p) for p in prompts], device=run.device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache()
        logits = run(ids, mask, positions, cache)
        return cls(cache, mask, positions[:, -1], logits)

    @torch.inference_mode()
    def step(self, run: ModelRunner, tokens: list[int]) -> None:
        """One decode step: feed each row its latest token, keep the next-token logits."""
        ids = torch.tensor(tokens, device=self.mask.device).unsqueeze(1)
        self.mask = torch.cat([self.mask, self.mask.new_ones(self.size, 1)], dim=1)
        self.last_position = self.last_position + 1
        self.logits = run(ids, self.mask, self.last_position.unsqueeze(1), self.cache)

    def merge(self, other: KVBatch) -> None:
        """Append ``other``'s rows, left-padding whichever cache is shorter."""
        length = max(self.mask.shape[1], other.mask.shape[1])
        for mine, theirs in zip(self.cache.layers, other.cache.layers, strict=True):
            mine.keys = torch.cat([_pad_left(mine.keys, length, 2), _pad_left(theirs.keys, length, 2)])
            mine.values = torch.cat([_pad_left(mine.values, length, 2), _pad_left(theirs.values, length, 2)])
        self.mask = torch.cat([_pad_left(self.mask, length, 1), _pad_left(other.mask, length, 1)])
        self.last_position = torch.cat([self.last_position, other.last_position])
        self.logits = torch.cat([self.logits, other.logits])

    def select(self, rows: list[int]) -> None:
        """Keep (or repeat) these rows, in this order; then trim columns that are padding everywhere."""
        index = torch.tensor(rows, dtype=torch.long, device=self.mask.device)
        for layer in self.cache.layers:
            layer.keys = layer.keys.index_select(0, index)
            layer.values = layer.values.index_select(0, index)
        self.mask = self.mask.index_select(0, index)
        self.last_position = self.last_position.index_select(0, index)
        self.logits = self.logits.index_select(0, index)
        used = self.mask.any(dim=0).nonzero()
        cut = int(used[0]) if used.numel() else 0
        if cut:
            self.mask = self.mask[:, cut:]
            for layer in self.cache.layers:
                layer.keys = layer.keys[:, :, cut:]
                layer.values = layer.values[:, :, cut:]
