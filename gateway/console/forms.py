"""From the console's HTML forms to the admin API's own bodies (gateway.schemas.admin), so that a
key or team changed in the console is checked exactly as through the API; and pydantic's
complaints as one sentence a person can act on."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gateway.client.alert_types import as_percentage, parse_thresholds
from gateway.console.deps import FormData
from gateway.errors import InvalidRequest
from gateway.services.alerts.rules import AlertRules

M = TypeVar("M", bound=BaseModel)
LIMIT_FIELDS = ("rpm", "tpm", "max_concurrent", "budget_usd_day", "budget_usd_month")
LIMIT_LABELS = {
    "rpm": "Requests per minute",
    "tpm": "Tokens per minute",
    "max_concurrent": "Requests at once",
    "budget_usd_day": "Budget per day (USD)",
    "budget_usd_month": "Budget per month (USD)",
    "alerts": "Budget alerts",
    "thresholds": "Alert thresholds",
    "webhook_url": "Alert webhook URL",
    "spend_rate": "Spend-rate alert",
    "multiplier": "Spend-rate multiplier",
    "window_minutes": "Spend-rate window (minutes)",
    "usd_per_hour": "Spend-rate alert: USD per hour",
    "min_usd": "Spend-rate alert: least spend (USD)",
}
ALERT_FIELDS = (
    "alert_thresholds",
    "alert_webhook",
    "alert_rate_multiplier",
    "alert_rate_window",
    "alert_rate_usd_per_hour",
    "alert_rate_min_usd",
)
RATE_FIELDS = {  # the form's spend-rate fields and the API's names for them
    "alert_rate_multiplier": "multiplier",
    "alert_rate_window": "window_minutes",
    "alert_rate_usd_per_hour": "usd_per_hour",
    "alert_rate_min_usd": "min_usd",
}


KEY_EDITED = ("name", "team_id", "allowed_models", "guardrails", "limits", "alerts")  # what a key's form saves
TEAM_EDITED = ("name", "limits", "guardrails", "tags", "alerts")  # what a team's form saves
VERSION_FIELD = "version"


def version(shown: BaseModel, edited: tuple[str, ...]) -> str:
    """What an object's form was rendered from, as a short hash of the fields it saves: the form
    carries it, and a save whose object has changed since is refused (no silent undo)."""
    data = shown.model_dump(include=set(edited), mode="json")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def changed_since(form: FormData, shown: BaseModel, edited: tuple[str, ...]) -> bool:
    """True when the form was rendered from another state of the object than the stored one. A
    form without the field (a script posting its own) is not checked."""
    rendered = form.get(VERSION_FIELD)
    return bool(rendered) and rendered != version(shown, edited)


def names(text: str) -> list[str]:
    """A list typed as text: separated by commas, spaces or lines."""
    return [part for part in re.split(r"[\s,]+", text.strip()) if part]


def limits(form: FormData) -> dict[str, Any]:
    """The limit fields that were filled in (blank: no limit)."""
    found: dict[str, Any] = {}
    for name in LIMIT_FIELDS:
        value = form.get(name).strip()
        if value:
            found[name] = value
    return found


def allowed_models(form: FormData) -> list[str] | None:
    """Checked models, or None for "every model". "Only these" with none checked is refused: a key
    that may call no model is never what the form meant."""
    if form.get("models_mode", "all") == "all":
        return None
    chosen = form.all("allowed_models")
    if not chosen:
        raise InvalidRequest("Tick at least one model, or choose every model.", param="allowed_models")
    return chosen


def alert_rules(form: FormData) -> dict[str, Any] | None:
    """The alert fields as the API's ``alerts`` (all blank: no rules). Thresholds may be fractions
    (0.8) or percentages (80%); the API's own model checks the rest."""
    text = {name: form.get(name).strip() for name in ALERT_FIELDS}
    if not any(text.values()):
        return None
    try:
        rules: dict[str, Any] = {"thresholds": parse_thresholds(text["alert_thresholds"])}
    except ValueError as exc:
        raise InvalidRequest(f"Alert thresholds: {exc}; write them like 50%, 80% or 0.5, 0.8.") from None
    if text["alert_webhook"]:
        rules["webhook_url"] = text["alert_webhook"]
    rate = {api: _number(api, text[name]) for name, api in RATE_FIELDS.items() if text[name]}
    if rate and not (text["alert_rate_multiplier"] or text["alert_rate_usd_per_hour"]):
        raise InvalidRequest(
            "Spend-rate alert: give times the 7-day average or USD per hour; to have no spend-rate alert, "
            "leave all four spend-rate fields blank."
        )
    if rate:
        rules["spend_rate"] = rate
    return rules


def _number(field: str, text: str) -> int | float:
    """A spend-rate field as the number the API's rules take (they refuse numbers written as text)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise InvalidRequest(f"{LIMIT_LABELS[field]}: {text!r} is not a number.") from None


def alert_values(rules: AlertRules | None) -> dict[str, str]:
    """Stored rules as the form shows them (thresholds as percentages)."""
    if rules is None:
        return {}
    rate = rules.spend_rate
    return {
        "alert_thresholds": ", ".join(as_percentage(value) for value in rules.thresholds),
        "alert_webhook": rules.webhook_url or "",
        "alert_rate_multiplier": _exact(rate.multiplier) if rate and rate.multiplier else "",
        "alert_rate_window": str(rate.window_minutes) if rate else "",
        "alert_rate_usd_per_hour": _exact(rate.usd_per_hour) if rate and rate.usd_per_hour else "",
        "alert_rate_min_usd": _exact(rate.min_usd) if rate else "",
    }


def _exact(value: float) -> str:
    """A stored number as the form shows it: every digit it has (a save must not round it), no ".0"."""
    return f"{value:.15g}"


def _message(problem: Any, where: str) -> str:
    if problem.get("type") == "string_pattern_mismatch" and where.endswith("webhook_url"):
        return "must be an http:// or https:// address"
    return str(problem.get("msg", "not valid"))


def sentence(error: ValidationError) -> str:
    parts = []
    for problem in error.errors()[:3]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body")
        label = LIMIT_LABELS.get(where.rsplit(".", 1)[-1], where.replace("_", " "))
        message = _message(problem, where)
        parts.append(f"{label}: {message}" if label else message)
    return "; ".join(parts) + "."


def build(model: type[M], fields: dict[str, Any]) -> M:
    """The API's body from the form's fields; a 400 in a sentence when they do not fit it."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRequest(sentence(exc)) from None
