"""What the response cache did for one call: its response headers, usage record and metrics read it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Result = Literal["hit", "semantic-hit", "miss", "bypass"]


@dataclass(slots=True)
class CacheOutcome:
    """Set on CallContext.cache for models with a cache configured (None for the others).

    ``bypass``: the cache was not read (a sampled request, or the caller's no-cache/bypass)."""

    result: Result
    similarity: float | None = None  # a semantic hit: cosine similarity of the prompts
    age_s: float | None = None  # a hit: seconds since the answer was stored
    saved_usd: Decimal | None = None  # a hit: what the original call cost
    saved_tokens: int = 0  # a hit: the original call's prompt + completion tokens

    @property
    def recorded(self) -> str | None:
        """The usage record's ``cache`` column: only hits are marked."""
        return self.result if self.result in ("hit", "semantic-hit") else None

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {"x-strata-cache": self.result}
        if self.age_s is not None:
            headers["age"] = str(max(int(self.age_s), 0))
        if self.similarity is not None:
            headers["x-strata-cache-similarity"] = f"{self.similarity:.4f}"
        return headers
