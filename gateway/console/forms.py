"""From the console's HTML forms to the admin API's own bodies (gateway.schemas.admin), so that a
key or team changed in the console is checked exactly as through the API; and pydantic's
complaints as one sentence a person can act on."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gateway.console.deps import FormData
from gateway.errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)
LIMIT_FIELDS = ("rpm", "tpm", "max_concurrent", "budget_usd_day", "budget_usd_month")
LIMIT_LABELS = {
    "rpm": "Requests per minute",
    "tpm": "Tokens per minute",
    "max_concurrent": "Requests at once",
    "budget_usd_day": "Budget per day (USD)",
    "budget_usd_month": "Budget per month (USD)",
}


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
    """Checked models; none checked (or "every model" chosen) means every model."""
    if form.get("models_mode", "all") == "all":
        return None
    return form.all("allowed_models")


def sentence(error: ValidationError) -> str:
    parts = []
    for problem in error.errors()[:3]:
        where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body")
        label = LIMIT_LABELS.get(where.rsplit(".", 1)[-1], where.replace("_", " "))
        parts.append(f"{label}: {problem.get('msg', 'not valid')}" if label else str(problem.get("msg")))
    return "; ".join(parts) + "."


def build(model: type[M], fields: dict[str, Any]) -> M:
    """The API's body from the form's fields; a 400 in a sentence when they do not fit it."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidRequest(sentence(exc)) from None
