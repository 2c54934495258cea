"""The admin calls as data (``Call``): keys, teams, routing state, usage, guardrails.

Pure functions shared by the sync and async admin resources. On updates, an argument left out is
not sent (the field keeps its value) and ``None`` is sent as null, which means what the gateway
says it means (gateway/schemas/admin.py: no limits, every model, no team, never expires).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypedDict
from urllib.parse import quote

from gateway.client.admin_types import (
    Guardrail,
    GuardrailChanged,
    GuardrailSummary,
    Key,
    KeyCreated,
    Limits,
    ModelDeployments,
    RecordPage,
    Team,
    UsageDaily,
    UsageTotals,
)
from gateway.client.alert_types import AlertRules
from gateway.client.transport import Call

LimitsLike = Limits | Mapping[str, Any]
AlertRulesLike = AlertRules | Mapping[str, Any]


class _KeyFields(TypedDict, total=False):
    """What a key may carry besides its name."""

    team_id: str | None
    is_admin: bool
    allowed_models: Sequence[str] | None
    guardrails: Sequence[str] | None
    tags: Sequence[str] | None
    limits: LimitsLike | None
    model_limits: Mapping[str, LimitsLike] | None
    alerts: AlertRulesLike | None  # budget alert rules; None: none
    expires_at: datetime | str | None


class KeyOptions(_KeyFields, total=False):
    expires_in_days: float | None


class KeyChanges(_KeyFields, total=False):
    name: str


class TeamOptions(TypedDict, total=False):
    limits: LimitsLike | None
    tags: Sequence[str] | None
    guardrails: Sequence[str] | None
    alerts: AlertRulesLike | None  # budget alert rules; None: none


class TeamChanges(TeamOptions, total=False):
    name: str


class UsageFilters(TypedDict, total=False):
    """Days are UTC (``date`` or ``YYYY-MM-DD``), both ends inclusive; default: the last 30 days."""

    start: date | str | None
    end: date | str | None
    key_id: str | None
    team_id: str | None
    model: str | None


class RecordFilters(TypedDict, total=False):
    start: datetime | str | None
    end: datetime | str | None
    key_id: str | None
    team_id: str | None
    model: str | None
    request_id: str | None
    errors_only: bool


def _json(value: Any) -> Any:
    """Arguments as JSON: limits without their unset entries, times in ISO 8601, sequences as lists."""
    if isinstance(value, Limits | AlertRules):
        return value.model_dump(exclude_none=True)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _id(value: str) -> str:
    return quote(value, safe="")


def _many(cls: Any) -> Any:
    return lambda body: [cls.model_validate(item) for item in body]


# ---------------------------------------------------------------- keys


def create_key(name: str, options: KeyOptions) -> Call[KeyCreated]:
    body = _json({"name": name, **options})
    return Call("POST", "/admin/keys", KeyCreated.model_validate, body)


def list_keys(team_id: str | None, include_revoked: bool) -> Call[list[Key]]:
    params = {"team_id": team_id, "include_revoked": include_revoked}
    return Call("GET", "/admin/keys", _many(Key), params=params)


def get_key(key_id: str) -> Call[Key]:
    return Call("GET", f"/admin/keys/{_id(key_id)}", Key.model_validate)


def update_key(key_id: str, changes: KeyChanges) -> Call[Key]:
    return Call("PATCH", f"/admin/keys/{_id(key_id)}", Key.model_validate, _json(dict(changes)))


def revoke_key(key_id: str) -> Call[Key]:
    return Call("POST", f"/admin/keys/{_id(key_id)}/revoke", Key.model_validate)


def delete_key(key_id: str) -> Call[None]:
    return Call("DELETE", f"/admin/keys/{_id(key_id)}", lambda _: None)


# ---------------------------------------------------------------- teams


def create_team(name: str, options: TeamOptions) -> Call[Team]:
    return Call("POST", "/admin/teams", Team.model_validate, _json({"name": name, **options}))


def list_teams() -> Call[list[Team]]:
    return Call("GET", "/admin/teams", _many(Team))


def get_team(team_id: str) -> Call[Team]:
    return Call("GET", f"/admin/teams/{_id(team_id)}", Team.model_validate)


def update_team(team_id: str, changes: TeamChanges) -> Call[Team]:
    return Call("PATCH", f"/admin/teams/{_id(team_id)}", Team.model_validate, _json(dict(changes)))


def delete_team(team_id: str) -> Call[None]:
    return Call("DELETE", f"/admin/teams/{_id(team_id)}", lambda _: None)


# ---------------------------------------------------------------- deployments


def list_deployments() -> Call[list[ModelDeployments]]:
    return Call("GET", "/admin/deployments", lambda body: [ModelDeployments.model_validate(m) for m in body["models"]])


def reset_deployments(deployment_id: str | None) -> Call[list[str]]:
    path = "/admin/deployments/reset" if deployment_id is None else f"/admin/deployments/{_id(deployment_id)}/reset"
    return Call("POST", path, lambda body: list(body["reset"]))


# ---------------------------------------------------------------- usage


def usage_totals(group_by: str | None, limit: int | None, filters: UsageFilters) -> Call[UsageTotals]:
    params = {**_json(dict(filters)), "group_by": group_by, "limit": limit}
    return Call("GET", "/admin/usage/totals", UsageTotals.model_validate, params=params)


def usage_daily(group_by: str | None, groups: int | None, filters: UsageFilters) -> Call[UsageDaily]:
    params = {**_json(dict(filters)), "group_by": group_by, "groups": groups}
    return Call("GET", "/admin/usage/daily", UsageDaily.model_validate, params=params)


def usage_records(filters: RecordFilters, page_size: int, cursor: str | None) -> Call[RecordPage]:
    params = {**_json(dict(filters)), "limit": page_size, "cursor": cursor}
    return Call("GET", "/admin/usage/records", RecordPage.model_validate, params=params)


# ---------------------------------------------------------------- guardrails (Bedrock's control plane)


def _page(body: Any) -> tuple[list[GuardrailSummary], str | None]:
    return [GuardrailSummary.model_validate(g) for g in body["guardrails"]], body.get("nextToken")


def list_guardrails(
    identifier: str | None, token: str | None, page_size: int
) -> Call[tuple[list[GuardrailSummary], str | None]]:
    params = {"guardrailIdentifier": identifier, "nextToken": token, "maxResults": page_size}
    return Call("GET", "/guardrails", _page, params=params)


def get_guardrail(identifier: str, version: str | None) -> Call[Guardrail]:
    params = {"guardrailVersion": version}
    return Call("GET", f"/guardrails/{_id(identifier)}", Guardrail.model_validate, params=params)


def create_guardrail(definition: Mapping[str, Any]) -> Call[GuardrailChanged]:
    return Call("POST", "/guardrails", GuardrailChanged.model_validate, _json(definition))


def update_guardrail(identifier: str, definition: Mapping[str, Any]) -> Call[GuardrailChanged]:
    return Call("PUT", f"/guardrails/{_id(identifier)}", GuardrailChanged.model_validate, _json(definition))


def create_guardrail_version(identifier: str, description: str | None) -> Call[GuardrailChanged]:
    body = {"description": description} if description else {}
    return Call("POST", f"/guardrails/{_id(identifier)}", GuardrailChanged.model_validate, body)


def delete_guardrail(identifier: str, version: str | None) -> Call[None]:
    params = {"guardrailVersion": version}
    return Call("DELETE", f"/guardrails/{_id(identifier)}", lambda _: None, params=params)
