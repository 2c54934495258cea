"""Teams: list, create, change limits, budgets and default guardrails, see their keys and usage,
delete one whose keys are all revoked. The same service as the admin API does the work."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.console.deps import ConsoleDep, Form, SignedIn, StateDep
from gateway.console.forms import (
    LIMIT_FIELDS,
    LIMIT_LABELS,
    TEAM_EDITED,
    VERSION_FIELD,
    alert_rules,
    alert_values,
    build,
    changed_since,
    limits,
    names,
    version,
)
from gateway.console.spend import spend
from gateway.console.tag_text import tags
from gateway.errors import Conflict, NotFound, StrataError
from gateway.schemas.admin import KeyOut, TeamCreate, TeamOut, TeamUpdate
from gateway.services.keys.admin import KeyAdmin

router = APIRouter()
DONE = {
    "created": "The team was created.",
    "updated": "The team was saved. Its keys see the change within the key cache's lifetime.",
    "deleted": "The team was deleted; its revoked keys stay, without a team.",
}
CHANGED = (
    "This team was changed by someone else since you opened it, so nothing was saved. Here is its current "
    "state: review it and save again."
)


def _team_fields(form: Any) -> dict[str, Any]:
    return {
        "name": form.get("name").strip(),
        "limits": limits(form),
        "guardrails": names(form.get("guardrails")),
        "tags": tags(form.get("tags")),
        "alerts": alert_rules(form),
    }


def _typed(form: Any) -> dict[str, Any]:
    """What was typed, in the shape team_form_fields.html takes, for the form again after a refusal."""
    typed = form.first_values()
    return {
        "name": typed.get("name", ""),
        "limits": {name: typed.get(name, "") for name in LIMIT_FIELDS},
        "guardrails": [typed["guardrails"]] if typed.get("guardrails") else [],
        "tags": typed.get("tags", ""),  # as typed (text), not yet a list
        "alerts": typed,
    }


def _limit_fields() -> list[tuple[str, str]]:
    return [(name, LIMIT_LABELS[name]) for name in LIMIT_FIELDS]


@router.get("/teams", summary="Teams")
async def teams_page(
    request: Request, state: StateDep, console: ConsoleDep, session: SignedIn, done: str = ""
) -> Response:
    return await _teams_page(request, state, console, session, done=done)


async def _teams_page(
    request: Request,
    state: StateDep,
    console: ConsoleDep,
    session: Any,
    status: int = 200,
    done: str = "",
    error: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    """The teams page; after a refused create, with the error and what was typed."""
    teams = [TeamOut.model_validate(team) for team in await state.teams.list()]
    counts: dict[str, int] = {}
    for key in await state.keys.list(None, include_revoked=False):
        if key.team_id:
            counts[key.team_id] = counts.get(key.team_id, 0) + 1
    return console.pages.render(
        request,
        "teams.html",
        status,
        session=session,
        title="Teams",
        teams=teams,
        counts=counts,
        limit_fields=_limit_fields(),
        done=DONE.get(done),
        error=error,
        values=values or {},
    )


@router.post("/teams", summary="Create a team")
async def create_team(request: Request, state: StateDep, console: ConsoleDep, submitted: Form) -> Response:
    form = submitted.form
    try:
        team = await KeyAdmin(state, submitted.session.key_id, "console").create_team(
            build(TeamCreate, _team_fields(form))
        )
    except StrataError as exc:
        if exc.status >= 500:
            raise
        return await _teams_page(
            request, state, console, submitted.session, exc.status, error=exc.message, values=_typed(form)
        )
    return RedirectResponse(f"{request.scope.get('root_path', '')}/teams/{team.id}?done=created", status_code=303)


@router.get("/teams/{team_id}", summary="One team")
async def team_page(
    request: Request, team_id: str, state: StateDep, console: ConsoleDep, session: SignedIn, done: str = ""
) -> Response:
    return await _team_page(request, team_id, state, console, session, done=DONE.get(done))


async def _team_page(
    request: Request,
    team_id: str,
    state: StateDep,
    console: ConsoleDep,
    session: Any,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    rendered_from: str | None = None,
) -> Response:
    """The team's page; after a refused change, with the error and the form as typed (and still
    the version it was first rendered from, so that a second try is checked against it too)."""
    team = await _team(state, team_id)
    keys = [KeyOut.model_validate(key) for key in await state.keys.list(team_id, include_revoked=True)]
    return console.pages.render(
        request,
        "team.html",
        status,
        session=session,
        title=f"Team {team.name}",
        team=team,
        keys=keys,
        usage=await spend(state.db, team.limits.model_dump(exclude_none=True), team_id=team.id),
        limit_fields=_limit_fields(),
        alert_form=alert_values(team.alerts) if values is None else values["alerts"],
        version=rendered_from or version(team, TEAM_EDITED),
        done=done,
        error=error,
        values=values,
    )


async def _team(state: StateDep, team_id: str) -> TeamOut:
    row = await state.teams.get(team_id)
    if row is None:
        raise NotFound(f"There is no team {team_id!r}; it may have been deleted.")
    return TeamOut.model_validate(row)


@router.post("/teams/{team_id}", summary="Change a team")
async def update_team(
    request: Request, team_id: str, state: StateDep, console: ConsoleDep, submitted: Form
) -> Response:
    if changed_since(submitted.form, await _team(state, team_id), TEAM_EDITED):  # the page again, as it is now
        return await _team_page(request, team_id, state, console, submitted.session, Conflict.status, error=CHANGED)
    try:
        fields = _team_fields(submitted.form)
        if not fields["name"]:
            del fields["name"]
        await KeyAdmin(state, submitted.session.key_id, "console").update_team(team_id, build(TeamUpdate, fields))
    except StrataError as exc:  # the page again, with the reason and the form as typed
        if exc.status >= 500:
            raise
        return await _team_page(
            request,
            team_id,
            state,
            console,
            submitted.session,
            exc.status,
            error=exc.message,
            values=_typed(submitted.form),
            rendered_from=submitted.form.get(VERSION_FIELD) or None,
        )
    return RedirectResponse(f"{request.scope.get('root_path', '')}/teams/{team_id}?done=updated", status_code=303)


@router.post("/teams/{team_id}/delete", summary="Delete a team")
async def delete_team(request: Request, team_id: str, state: StateDep, submitted: Form) -> Response:
    try:
        await KeyAdmin(state, submitted.session.key_id, "console").delete_team(team_id)
    except StrataError as exc:
        if exc.status == 409:  # the API's sentence names its own endpoints; the console's own words here
            raise type(exc)(
                "The team still has active keys. Revoke them, or move them to another team from each key's page, "
                "then delete the team."
            ) from None
        raise
    return RedirectResponse(f"{request.scope.get('root_path', '')}/teams?done=deleted", status_code=303)
