"""The routing part of the catalog: strategies, retries, fallbacks, circuit breakers, prompt routers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Strategy = Literal["weighted", "priority", "least_busy", "latency", "cost", "usage"]
STRATEGIES: tuple[str, ...] = ("weighted", "priority", "least_busy", "latency", "cost", "usage")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RetryPolicy(_Strict):
    """Attempts across one model's pool; a fresh deployment is tried at once, a repeat after backoff."""

    attempts: int = Field(default=3, ge=1, le=20)
    backoff_base_s: float = Field(default=0.25, gt=0)
    backoff_max_s: float = Field(default=8.0, gt=0)
    max_wait_s: float = Field(default=10.0, ge=0, description="an upstream asking to wait longer is not retried")


class CircuitPolicy(_Strict):
    """When a deployment is taken out of rotation, and for how long."""

    consecutive_failures: int = Field(default=5, ge=1)
    failure_rate: float = Field(default=0.5, gt=0, le=1)
    window_s: float = Field(default=30.0, gt=0)
    min_requests: int = Field(default=20, ge=1)
    cooldown_s: float = Field(default=30.0, gt=0)


class Routing(_Strict):
    strategy: Strategy = "weighted"
    retries: RetryPolicy = RetryPolicy()
    circuit: CircuitPolicy = CircuitPolicy()
    deadline_s: float = Field(default=600.0, gt=0, description="whole request, all attempts and fallbacks")
    fallbacks: list[str] = Field(default=[], description="models tried when this one's pool fails")
    context_window_fallbacks: list[str] = []
    content_policy_fallbacks: list[str] = []


class PromptRouter(_Strict):
    """Sends each request to a cheaper or a stronger model by an estimate of its difficulty."""

    strong: str = Field(min_length=1)
    cheap: str = Field(min_length=1)
    threshold: float = Field(default=0.5, ge=0, le=1, description="difficulty at or above it goes to strong")
    embedding_model: str | None = Field(default=None, description="an embeddings model for the classifier")

    @model_validator(mode="after")
    def _distinct(self) -> PromptRouter:
        if self.strong == self.cheap:
            raise ValueError("strong and cheap must be different models")
        return self
