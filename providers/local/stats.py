"""What a local model did, counted in the gateway's event loop from its worker's step reports.

The provider keeps one per deployment; the gateway's metrics read it (providers import nothing
from the gateway, so the counts are plain numbers the gateway turns into series).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class LocalStats:
    queue_depth: int = 0  # requests admitted and not finished: running in a batch or waiting for one
    steps: int = 0  # batched forward steps (generation) or passes (embeddings)
    tokens: int = 0  # tokens generated (one per row per generation step) or embedded
    batch_sizes: dict[int, int] = field(default_factory=dict)  # rows in a step -> how many steps had that many

    def stepped(self, rows: int, tokens: int) -> None:
        self.steps += 1
        self.tokens += tokens
        self.batch_sizes[rows] = self.batch_sizes.get(rows, 0) + 1
