"""What every deployment in the catalog has, whatever its provider: a leaf that imports only pydantic.

Each provider's own config class extends ``DeploymentBase`` next to its code (``provider`` is its
``Literal`` tag there); the gateway builds the catalog's deployment union from the registry.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Catalog sections refuse unknown keys (a typo must not silently do nothing) and never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Timeouts(Strict):
    """Seconds. ``read``: any gap while receiving (between stream chunks); ``first_byte``: until
    a stream's first chunk (default: ``read``); ``total``: one attempt on this deployment."""

    connect: float = Field(default=5.0, gt=0)
    first_byte: float | None = Field(default=None, gt=0)
    read: float = Field(default=120.0, gt=0)
    total: float = Field(default=600.0, gt=0)

    @property
    def first_chunk(self) -> float:
        return self.first_byte or self.read


class Pricing(Strict):
    """USD per token; unset means the provider's pricing source decides (see ProviderSpec.pricing)."""

    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)


class DeploymentBase(Strict):
    """Fields shared by every provider's deployment config."""

    provider: str  # narrowed to a Literal by each provider's config class: the catalog's discriminator
    model: str  # the upstream's model id (or the local model's name in logs and usage)
    id: str | None = Field(default=None, description="Stable name in headers and usage; default NAME/INDEX")
    weight: float = Field(default=1.0, gt=0)
    priority: int = 0
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    max_concurrency: int | None = Field(default=None, ge=1)
    timeouts: Timeouts = Timeouts()
    pricing: Pricing = Pricing()
