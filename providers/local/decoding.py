"""Per-row helpers of the generation loop: token choice, incremental detokenizing, stop strings."""

from __future__ import annotations

import random
from typing import Any

import torch


class Sampler:
    """Greedy at temperature 0; otherwise temperature, top-k (the model's default) and top-p.

    Each row has its own generator, seeded from the request's seed when it gives one, so a
    request's draws do not depend on the other rows of the batch: same seed, same output.
    """

    def __init__(self, temperature: float, top_p: float, top_k: int | None, seed: int | None) -> None:
        self.temperature = temperature
        self.top_p = top_p
        self.top_k = top_k
        self.generator = torch.Generator()
        self.generator.manual_seed(seed if seed is not None else random.SystemRandom().getrandbits(63))

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0

    def sample(self, logits: torch.Tensor) -> int:
        scores = logits.float().cpu() / self.temperature
        if self.top_k is not None and 0 < self.top_k < scores.shape[-1]:
            threshold = torch.topk(scores, self.top_k).values[-1]
            scores = scores.masked_fill(scores < threshold, float("-inf"))
        if self.top_p < 1.0:
            ordered, order = scores.sort(descending=True)
            probs = ordered.softmax(-1)
            outside = probs.cumsum(-1) - probs > self.top_p  # always keeps the most likely token
            ordered = ordered.masked_fill(outside, float("-inf"))
            scores = torch.full_like(scores, float("-inf")).scatter(0, order, ordered)
        return int(torch.multinomial(scores.softmax(-1), 1, generator=self.generator))


def choose_tokens(logits: torch.Tensor, samplers: list[Sampler]) -> list[int]:
    """One token per row: a single argmax for the batch, then the sampling rows one by one.

    The sampling rows' scores come to the CPU in one copy, not one per row: on a GPU each copy
    waits for the device.
    """
    tokens: list[int] = logits.argmax(-1).tolist()
    sampling = [i for i, sampler in enumerate(samplers) if not sampler.greedy]
    if sampling:
        scores = logits[sampling].float().cpu()
        for i, row in zip(sampling, scores, strict=True):
            tokens[i] = samplers[i].sample(row)
    return tokens


class IncrementalDecoder:
    """Text as tokens arrive, without cutting a multi-byte character or a word-piece join in half.

    Decodes a short window twice per token (before and after it) and passes on the difference,
    holding back text that ends in an incomplete character.
    """

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.ids: list[int] = []
        self.prefix = 0
        self.read = 0

    def _window(self, end: int) -> str:
        text: str = self.tokenizer.decode(self.ids[self.prefix : end], skip_special_tokens=True)
        return text

    def push(self, token: int) -> str:
        self.ids.append(token)
        before, after = self._window(self.read), self._window(len(self.ids))
        if len(after) > len(before) and not after.endswith("\ufffd"):
            self.prefix, self.read = self.read, len(self.ids)
            return after[len(before) :]
        return ""

    def flush(self) -> str:
        """What is still held back, at the end of generation."""
        if self.read == len(self.ids):
            return ""
        before, after = self._window(self.read), self._window(len(self.ids))
        self.prefix = self.read = len(self.ids)
        return after[len(before) :]


class StopMatcher:
    """Cuts the output at the first stop string, holding back text that may begin one."""

    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = [s for s in stops if s]
        self.held = ""
        self.matched: str | None = None  # the stop string that ended the text (Anthropic's stop_sequence)

    def feed(self, text: str) -> tuple[str, bool]:
        if not self.stops:
            return text, False
        buffer = self.held + text
        found = [(at, stop) for stop in self.stops if (at := buffer.find(stop)) >= 0]
        if found:
            self.held = ""
            at, self.matched = min(found, key=lambda hit: hit[0])
            return buffer[:at], True
        keep = max((k for s in self.stops for k in range(1, len(s)) if buffer.endswith(s[:k])), default=0)
        self.held = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep], False

    def flush(self) -> str:
        held, self.held = self.held, ""
        return held
