"""What the admin calls return: keys, teams, limits, routing state, usage and guardrail resources.

Field meanings are the gateway's (gateway/schemas/admin.py, gateway/api/usage.py); unknown fields
are kept. Usage results turn into pandas DataFrames with ``to_pandas()`` when pandas is installed
(it is not a dependency of the client).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.client.alert_types import AlertRules
from gateway.client.types import Open


class Limits(BaseModel):
    """Rates, concurrency and spend; None: no such limit. Unknown names are refused by the gateway."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    rpm: int | None = None
    tpm: int | None = None
    max_concurrent: int | None = None
    budget_usd_day: float | None = None
    budget_usd_month: float | None = None


class Key(Open):
    id: str
    name: str
    team_id: str | None = None
    is_admin: bool = False
    allowed_models: list[str] | None = None
    guardrails: list[str] = []
    tags: list[str] = []
    limits: Limits = Field(default_factory=Limits)
    model_limits: dict[str, Limits] = {}
    alerts: AlertRules | None = None
    expires_at: datetime | None = None
    revoked: bool = False
    created_at: datetime
    updated_at: datetime


class KeyCreated(Key):
    key: str
    """The key itself: shown once, at creation, never again."""


class Team(Open):
    id: str
    name: str
    limits: Limits = Field(default_factory=Limits)
    tags: list[str] = []
    guardrails: list[str] = []
    alerts: AlertRules | None = None
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- routing state


class DeploymentState(Open):
    deployment: str
    state: str
    cooling_for_s: float | None = None
    in_flight: int = 0
    latency_ms: float | None = None
    ttft_ms: float | None = None
    requests_last_minute: int = 0
    tokens_last_minute: int = 0


class ModelDeployments(Open):
    model: str
    strategy: str | None = None
    deployments: list[DeploymentState]


# ---------------------------------------------------------------- usage


def _frame(rows: list[dict[str, Any]]) -> Any:
    try:
        pandas = importlib.import_module("pandas")  # optional: never a dependency of the client
    except ImportError:
        raise ImportError("to_pandas() needs pandas (not a dependency of the client): pip install pandas") from None
    return pandas.DataFrame(rows)


class UsageMetrics(Open):
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms_avg: float | None = None
    latency_ms_p50: float | None = None
    latency_ms_p95: float | None = None
    cache_hits: int = 0  # answered from the response cache
    saved_usd: float = 0.0  # what those answers cost when first made


class UsageGroup(UsageMetrics):
    """One row of totals: ``group`` is the key id, team id, model or day (None: ungrouped, or no key/team)."""

    group: str | None = None


class UsageTotals(Open):
    start: str
    end: str
    group_by: str | None = None
    rows: list[UsageGroup]

    def to_pandas(self) -> Any:
        return _frame([row.model_dump() for row in self.rows])


class UsageDay(UsageMetrics):
    day: str
    group: str | None = None


class UsageDaily(Open):
    start: str
    end: str
    group_by: str | None = None
    rows: list[UsageDay]

    def to_pandas(self) -> Any:
        return _frame([row.model_dump() for row in self.rows])


class UsageRecord(Open):
    """One request as the ledger keeps it."""

    id: str
    request_id: str | None = None
    ts: datetime
    key_id: str | None = None
    team_id: str | None = None
    model: str | None = None
    served_model: str | None = None
    deployment: str | None = None
    provider: str | None = None
    surface: str | None = None
    stream: bool = False
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    status: int = 0
    error_type: str | None = None
    guardrail_action: str | None = None
    tags: list[str] | None = None
    request_metadata: dict[str, str] | None = None
    cache: str | None = None  # "hit" | "semantic-hit": answered from the response cache
    saved_usd: float | None = None  # a hit: what the original call cost


class RecordPage(Open):
    rows: list[UsageRecord]
    next_cursor: str | None = None


def records_frame(records: list[UsageRecord]) -> Any:
    return _frame([record.model_dump() for record in records])


# ---------------------------------------------------------------- guardrails (Bedrock's control plane)


class GuardrailSummary(Open):
    """ListGuardrails' entry, in Bedrock's names."""

    id: str
    arn: str | None = None
    status: str | None = None
    name: str
    description: str | None = None
    version: str
    createdAt: datetime | None = None
    updatedAt: datetime | None = None


class Guardrail(Open):
    """GetGuardrail's answer, in Bedrock's names: the policies are kept as Bedrock shapes them."""

    guardrailId: str
    guardrailArn: str | None = None
    name: str
    version: str
    status: str | None = None
    description: str | None = None
    blockedInputMessaging: str | None = None
    blockedOutputsMessaging: str | None = None
    createdAt: datetime | None = None
    updatedAt: datetime | None = None


class GuardrailChanged(Open):
    """CreateGuardrail, UpdateGuardrail and CreateGuardrailVersion's answer."""

    guardrailId: str
    guardrailArn: str | None = None
    version: str
    createdAt: datetime | None = None
    updatedAt: datetime | None = None
