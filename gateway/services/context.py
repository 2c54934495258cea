"""What one call carries through the pipeline, and what its log line and usage record say."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class Principal:
    """Who is calling. Virtual keys (the tenancy issue) fill team, limits and model lists."""

    key_id: str
    is_admin: bool = False
    team_id: str | None = None
    allowed_models: frozenset[str] | None = None  # None: every model

    def may_call(self, model: str) -> bool:
        return self.allowed_models is None or model in self.allowed_models


@dataclass(slots=True)
class CallContext:
    """Created by the request middleware; filled in by the pipeline; read by the log and usage."""

    request_id: str
    surface: str
    started: float = field(default_factory=time.perf_counter)
    principal: Principal | None = None
    model: str | None = None
    deployment: str | None = None
    provider: str | None = None
    stream: bool = False
    attempts: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    usage_estimated: bool = False
    first_token_s: float | None = None
    error_type: str | None = None

    def mark_first_token(self) -> None:
        if self.first_token_s is None:
            self.first_token_s = time.perf_counter() - self.started
