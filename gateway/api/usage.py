"""The usage API (admin only): totals, daily series and raw records, by key, team and model.

Days are UTC and both ends are inclusive; without them, the last 30 days. Bad input (a date
that is not one, an unknown group_by, end before start, a cursor not from here) is a 400.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from gateway.api.admin import Admin
from gateway.deps import State
from gateway.errors import InvalidRequest
from gateway.services.usage.queries import BadCursor, RecordFilter, UsageFilter, UsageQueries

router = APIRouter(prefix="/admin/usage", tags=["Usage"])

DEFAULT_DAYS = 30
MAX_DAYS = 3660

Start = Annotated[date | None, Query(description="first UTC day (YYYY-MM-DD); default: 30 days before end")]
End = Annotated[date | None, Query(description="last UTC day, inclusive (YYYY-MM-DD); default: today")]
KeyId = Annotated[str | None, Query(max_length=128, description="only this key")]
TeamId = Annotated[str | None, Query(max_length=128, description="only this team")]
Model = Annotated[str | None, Query(max_length=200, description="only this public model")]


def _filter(
    start: date | None, end: date | None, key_id: str | None, team_id: str | None, model: str | None
) -> UsageFilter:
    end = end or datetime.now(UTC).date()
    start = start or _days_before(end, DEFAULT_DAYS - 1)
    if end < start:
        raise InvalidRequest(f"end ({end}) is before start ({start}).", param="end")
    if (end - start).days >= MAX_DAYS:
        raise InvalidRequest(f"At most {MAX_DAYS} days at a time.", param="start")
    return UsageFilter(start, end, key_id, team_id, model)


def _days_before(day: date, days: int) -> date:
    """``days`` before ``day``, or the calendar's first day when that is earlier (no overflow)."""
    return day - timedelta(days=min(days, (day - date.min).days))


def _range(where: UsageFilter) -> dict[str, str]:
    return {"start": where.start.isoformat(), "end": where.end.isoformat()}


@router.get("/totals", summary="Usage totals, overall or per key, team, model or day")
async def totals(
    state: State,
    _: Admin,
    start: Start = None,
    end: End = None,
    group_by: Literal["key", "team", "model", "day"] | None = None,
    key_id: KeyId = None,
    team_id: TeamId = None,
    model: Model = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="most groups returned (most expensive first)")] = 1000,
) -> dict[str, Any]:
    """Requests, errors, tokens, cost (USD) and latency (average, p50, p95) over the days."""
    where = _filter(start, end, key_id, team_id, model)
    rows = await UsageQueries(state.db).totals(where, group_by, limit)
    return {**_range(where), "group_by": group_by, "rows": rows}


@router.get("/daily", summary="A daily time series, overall or per key, team or model")
async def daily(
    state: State,
    _: Admin,
    start: Start = None,
    end: End = None,
    group_by: Literal["key", "team", "model"] | None = None,
    key_id: KeyId = None,
    team_id: TeamId = None,
    model: Model = None,
    groups: Annotated[int, Query(ge=1, le=1000, description="with group_by: the most expensive N groups")] = 20,
) -> dict[str, Any]:
    where = _filter(start, end, key_id, team_id, model)
    rows = await UsageQueries(state.db).daily(where, group_by, groups)
    return {**_range(where), "group_by": group_by, "rows": rows}


@router.get("/records", summary="Usage records, newest first, a page at a time")
async def records(
    state: State,
    _: Admin,
    start: Annotated[
        str | None, Query(max_length=64, description="from this time (ISO 8601; UTC if no offset) or day")
    ] = None,
    end: Annotated[
        str | None, Query(max_length=64, description="before this time, or up to this day included (YYYY-MM-DD)")
    ] = None,
    key_id: KeyId = None,
    team_id: TeamId = None,
    model: Model = None,
    request_id: Annotated[str | None, Query(max_length=128)] = None,
    errors_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=400, description="`next_cursor` of the previous page")] = None,
) -> dict[str, Any]:
    """One record per request: key, team, model, deployment, tokens, cost, latency, status..."""
    where = RecordFilter(
        _utc(_moment(start, "start", False)),
        _utc(_moment(end, "end", True)),
        key_id,
        team_id,
        model,
        request_id,
        errors_only,
    )
    if where.start is not None and where.end is not None and where.end <= where.start:
        raise InvalidRequest("end must be after start.", param="end")
    try:
        rows, following = await UsageQueries(state.db).records(where, limit, cursor)
    except BadCursor as error:
        raise InvalidRequest(str(error), param="cursor") from None
    return {"rows": rows, "next_cursor": following}


def _moment(text: str | None, param: str, end: bool) -> datetime | None:
    """A time, or a day (``YYYY-MM-DD``): a day as ``end`` is included, as the other usage
    routes' days are (its end is the next day's midnight)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1) if end else day, time.min)
        return datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise InvalidRequest(
            f"{param} must be an ISO 8601 time or a day (YYYY-MM-DD), not {text!r}.", param=param
        ) from None


_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


def _utc(moment: datetime | None) -> datetime | None:
    """The moment in UTC; one with an offset that UTC puts beyond the calendar is its first or last moment."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return _FIRST if moment.year == 1 else _LAST
