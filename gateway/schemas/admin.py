"""Admin API bodies. Unknown fields are refused (a typo must not silently do nothing).

``null`` means one thing per field, the same in POST and PATCH: for ``limits``, ``model_limits``,
``tags``, ``guardrails`` and ``alerts`` the default (none), for ``allowed_models`` every model, for
``expires_at`` never, for a key's ``team_id`` no team; ``name`` and ``is_admin`` have no such
meaning, so a null there is a 400 naming the field. Responses read what is stored the same way:
a stored null, or a value that is not what the field holds (old code, a hand edit), is shown as
the field's default (a bad value is logged), so one bad row never fails a listing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

from gateway import nul_text
from gateway.logs import LOG
from gateway.schemas.limits import Limits
from gateway.services.alerts.rules import AlertRules

MAX_EXPIRY_DAYS = 36_500
"""A key expires at most about a hundred years ahead: further is a typo, and near year 9999 a
datetime overflows (a 500 instead of a 400)."""

NameText = Annotated[str, Field(min_length=1, max_length=200)]
ALERTS = "budget alert rules (thresholds, webhook_url, spend_rate); null: none"


def _null_means(default: Callable[[], Any], accepts: Any) -> BeforeValidator:
    return BeforeValidator(lambda value: default() if value is None else value, json_schema_input_type=accepts)


# Names and tags: bounded, as every usage record copies a key's tags (200,000 tags were accepted)
ShortText = Annotated[str, Field(max_length=256)]
StrList = Annotated[list[ShortText], Field(max_length=100), _null_means(list, list[str] | None)]
LimitsIn = Annotated[Limits, _null_means(dict, Limits | None)]
ModelLimitsIn = Annotated[dict[str, Limits], _null_means(dict, dict[str, Limits] | None)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null", "may not be null (leave the field out to keep its value)")
    return value


# A field that PATCH may leave out but not set to null (the schema shows it as never null).
NewName = Annotated[
    str | None,
    Field(min_length=1, max_length=200),
    AfterValidator(_not_null),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200}),
]
# true or false only: "yes" or 1 must not make an admin key
NewFlag = Annotated[StrictBool | None, AfterValidator(_not_null), WithJsonSchema({"type": "boolean"})]


def _expiry(moment: datetime | None) -> datetime | None:
    """A future time within MAX_EXPIRY_DAYS, in UTC (a time without an offset is taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if moment <= now:
        raise PydanticCustomError("past", "must be in the future")
    if moment - now > timedelta(days=MAX_EXPIRY_DAYS):
        raise PydanticCustomError("too_far", "must be at most {days} days ahead", {"days": MAX_EXPIRY_DAYS})
    return moment.astimezone(UTC)


Expiry = Annotated[datetime | None, AfterValidator(_expiry)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """No text of an admin body may hold a NUL (gateway/nul_text.py): a 400 naming the field."""
        if nul_text.holds_nul(value):
            raise PydanticCustomError("nul", nul_text.IN_TEXT)
        return value

    def stored(self, given: set[str] | None = None) -> dict[str, Any]:
        """The fields given (all by default) as the database keeps them: limits without unset entries."""
        fields = self.model_dump(include=given)
        for name in fields:
            value = getattr(self, name)
            if isinstance(value, Limits):
                fields[name] = value.model_dump(exclude_none=True)
            elif isinstance(value, AlertRules):
                fields[name] = value.stored()
            elif name == "model_limits":
                fields[name] = {model: limits.model_dump(exclude_none=True) for model, limits in value.items()}
        return fields


class TeamCreate(_In):
    name: NameText
    limits: LimitsIn = Limits()
    tags: StrList = []
    guardrails: StrList = Field(default=[], description="ID or ID:VERSION: applied to every call of the team's keys")
    alerts: AlertRules | None = Field(default=None, description=ALERTS)


class TeamUpdate(_In):
    name: NewName = None
    limits: LimitsIn = Limits()
    tags: StrList = []
    guardrails: StrList = []
    alerts: AlertRules | None = Field(default=None, description=ALERTS)


class KeyCreate(_In):
    name: NameText
    team_id: str | None = None
    is_admin: StrictBool = False
    allowed_models: list[str] | None = Field(default=None, description="None: every model")
    guardrails: StrList = Field(default=[], description="ID or ID:VERSION: applied to every call of the key")
    tags: StrList = []
    limits: LimitsIn = Limits()
    model_limits: ModelLimitsIn = Field(default={}, description="this key's limits on one model")
    alerts: AlertRules | None = Field(default=None, description=ALERTS)
    expires_at: Expiry = None
    expires_in_days: float | None = Field(default=None, gt=0, le=MAX_EXPIRY_DAYS, allow_inf_nan=False)

    @field_validator("expires_in_days")
    @classmethod
    def _one_expiry(cls, days: float | None, info: ValidationInfo) -> float | None:
        if days is not None and info.data.get("expires_at") is not None:
            raise PydanticCustomError("one_expiry", "give expires_at or expires_in_days, not both")
        return days

    def expiry(self) -> datetime | None:
        if self.expires_in_days is not None:
            return datetime.now(UTC) + timedelta(days=self.expires_in_days)
        return self.expires_at


class KeyUpdate(_In):
    name: NewName = None
    team_id: str | None = Field(default=None, description="move the key to this team; null: no team")
    is_admin: NewFlag = None
    allowed_models: list[str] | None = Field(default=None, description="None: every model")
    guardrails: StrList = []
    tags: StrList = []
    limits: LimitsIn = Limits()
    model_limits: ModelLimitsIn = {}
    alerts: AlertRules | None = Field(default=None, description=ALERTS)
    expires_at: Expiry = None


def _as_stored(default: Callable[[], Any]) -> WrapValidator:
    """Read a stored value as the field holds it, or as ``default()`` when it cannot be (logged)."""

    def read(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            if value is not None:
                fields = {"id": info.data.get("id"), "field": info.field_name, "error": str(exc.errors()[0]["msg"])}
                LOG.warning("unreadable stored value, shown as its default", extra={"fields": fields})
            return default()

    return WrapValidator(read)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcTime = Annotated[datetime, AfterValidator(_utc)]
StoredStrList = Annotated[list[str], _as_stored(list)]
StoredLimits = Annotated[Limits, _as_stored(Limits)]
StoredAlerts = Annotated[AlertRules | None, _as_stored(lambda: None)]


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    limits: StoredLimits
    tags: StoredStrList
    guardrails: StoredStrList
    alerts: StoredAlerts = None
    created_at: UtcTime
    updated_at: UtcTime


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="the visible prefix; also the AWS access key id for SigV4")
    name: str
    team_id: str | None
    is_admin: bool
    allowed_models: Annotated[list[str] | None, _as_stored(lambda: None)]
    guardrails: StoredStrList
    tags: StoredStrList
    limits: StoredLimits
    model_limits: Annotated[dict[str, Limits], _as_stored(dict)]
    alerts: StoredAlerts = None
    expires_at: UtcTime | None
    revoked: bool
    created_at: UtcTime
    updated_at: UtcTime


class KeyCreated(KeyOut):
    key: str = Field(description="the key itself: shown once, never again")
