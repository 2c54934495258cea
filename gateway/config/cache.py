"""The catalog's per-model response cache: ``cache: {mode: exact, ttl_s: 3600}`` (off when absent)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_EMBEDDING_MODEL = "all-minilm-l6-v2"


class CacheConfig(BaseModel):
    """How one model's answers are kept and served again (README: "Response cache")."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    mode: Literal["exact", "semantic"] = Field(
        default="exact", description="exact: identical requests; semantic: also a close enough last user message"
    )
    ttl_s: float = Field(default=3600.0, gt=0, le=30 * 86400, description="seconds an answer is served again")
    shared: bool = Field(
        default=False, description="one cache for every caller; by default each team (or teamless key) has its own"
    )
    temperature: bool = Field(
        default=False,
        description="also cache sampled answers (temperature > 0, or unset: the provider default samples)",
    )
    threshold: float = Field(default=0.95, gt=0, le=1, description="semantic mode: the least cosine similarity")
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        min_length=1,
        description="semantic mode: the embedded MiniLM, or an embeddings model of the catalog",
    )
    quota: Literal["requests", "none", "full"] = Field(
        default="requests",
        description="what a hit takes from limits: requests only, nothing, or as much as the call it replays",
    )
