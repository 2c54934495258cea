"""The overview: traffic, tokens, cost, errors and latency over the last hour, day or 30 days,
drawn as charts, broken down by model, team and key; and every deployment's health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.console.deployments import deployment_rows
from gateway.console.deps import ConsoleDep, SignedIn, StateDep
from gateway.console.overview_data import RANGES, overview

router = APIRouter()


@router.get("/overview", summary="Overview")
async def overview_page(
    request: Request, state: StateDep, console: ConsoleDep, session: SignedIn, range: str = "day"
) -> Response:
    chosen = range if range in RANGES else "day"
    data = await overview(state.db, chosen, past=console.past_days)
    deployments = await deployment_rows(state)
    return console.pages.render(
        request,
        "overview.html",
        session=session,
        title="Overview",
        data=data,
        ranges=[(key, label) for key, (label, _, _) in RANGES.items()],
        deployments=deployments,
    )
