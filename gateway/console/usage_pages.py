"""The usage explorer: records filtered by time range, team, key, model, status and surface, with
their totals, a page at a time; and the same filter exported as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from gateway.console.deps import ConsoleDep, SignedIn, StateDep
from gateway.console.usage_data import Explore, UsageExplorer
from gateway.errors import InvalidRequest
from gateway.services.usage.queries import BadCursor

router = APIRouter()
PAGE = 50
SURFACES = ("openai", "anthropic", "bedrock", "console")
FILTERS = ("start", "end", "team", "key", "model", "status", "surface")


def _moment(text: str, field: str) -> datetime | None:
    """A time from the form (``YYYY-MM-DDTHH:MM``, UTC), or None when blank."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(f"The {field} time {text[:40]!r} is not a date and time (YYYY-MM-DDTHH:MM).") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _explore(request: Request) -> Explore:
    q = request.query_params
    start, end = Explore.default_range()
    start = _moment(q.get("start", ""), "start") or start
    end = _moment(q.get("end", ""), "end") or end
    if end <= start:
        raise InvalidRequest("The end of the time range must come after its start.")
    status = q.get("status") or None
    if status not in (None, "ok", "error") and not (status.isdigit() and len(status) == 3):
        raise InvalidRequest("Status must be ok, error or a three-digit HTTP status.")
    return Explore(
        start,
        end,
        q.get("team") or None,
        q.get("key") or None,
        q.get("model") or None,
        status,
        q.get("surface") or None,
    )


@router.get("/usage", summary="Usage explorer")
async def usage_page(request: Request, state: StateDep, console: ConsoleDep, session: SignedIn) -> Response:
    where = _explore(request)
    explorer = UsageExplorer(state.db)
    try:
        rows, following = await explorer.page(where, PAGE, request.query_params.get("cursor") or None)
    except BadCursor:
        raise InvalidRequest("This page link is not one the console made; start again from the first page.") from None
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    query = urlencode({k: v for k, v in filters.items() if v})
    return console.pages.render(
        request,
        "usage.html",
        session=session,
        title="Usage",
        rows=rows,
        totals=await explorer.totals(where),
        where=where,
        filters=filters,
        shown_start=where.start.strftime("%Y-%m-%dT%H:%M"),
        shown_end=where.end.strftime("%Y-%m-%dT%H:%M"),
        teams=await state.teams.list(),
        models=[m.name for m in state.catalog],
        surfaces=SURFACES,
        next_page=f"?{query}&cursor={following}" if following else None,
        export=f"usage.csv?{query}",
        query=query,
        first_page=not request.query_params.get("cursor"),
    )


@router.get("/usage.csv", summary="Export the filtered usage as CSV")
async def usage_csv(request: Request, state: StateDep, session: SignedIn) -> Response:
    where = _explore(request)
    name = f"strata-usage-{where.start:%Y%m%d%H%M}-{where.end:%Y%m%d%H%M}.csv"
    return StreamingResponse(
        UsageExplorer(state.db).csv(where),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
