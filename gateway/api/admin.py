"""The admin API (master key or admin keys): deployment health and control, the response cache."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from gateway import nul_text
from gateway.caller_text import shown
from gateway.deps import ApiKey, Call, State
from gateway.errors import InvalidRequest, NotFound, PermissionDenied, ServiceUnavailable
from gateway.lifespan import AppState
from gateway.services.audit import AuditFilter, AuditLog
from gateway.services.context import Principal

SURFACE = "admin"
router = APIRouter(prefix="/admin", tags=["Admin"])


async def require_admin(request: Request, state: State, call: Call, key: ApiKey) -> Principal:
    principal = await state.invoker.authenticate(call, key)
    if not principal.is_admin:
        raise PermissionDenied("This endpoint needs an admin key.")
    where = nul_text.in_address(request.scope)  # every admin route: before an id or filter reaches the store
    if where == "path":  # the id that holds it, by the route's name for it
        where = next((name for name, value in request.path_params.items() if nul_text.holds_nul(value)), None)
    if where is not None:
        raise InvalidRequest(nul_text.IN_ADDRESS, param=None if where == "query" else where)
    return principal


Admin = Annotated[Principal, Depends(require_admin)]


@router.get("/deployments", summary="Every deployment's routing state")
async def list_deployments(state: State, _: Admin) -> dict[str, Any]:
    """Circuit state (healthy, cooling_down, half_open), in-flight count, latencies, use of limits."""
    router_ = state.invoker.router
    return {
        "models": [
            {"model": model.name, "strategy": model.strategy, "deployments": router_.snapshot(model)}
            for model in state.catalog
            if model.deployments
        ]
    }


@router.post("/deployments/reset", summary="Put every deployment back into rotation")
async def reset_all(state: State, admin: Admin) -> dict[str, list[str]]:
    reset = await reset_deployments(state, None)
    await AuditLog(state.db.sessions).record(admin.key_id, "api", "reset", "deployment", None, {"reset": reset})
    return {"reset": reset}


@router.post("/deployments/{deployment_id:path}/reset", summary="Put one deployment back into rotation")
async def reset_one(deployment_id: str, state: State, admin: Admin) -> dict[str, list[str]]:
    if not state.invoker.router.knows(deployment_id):
        raise NotFound(f"No deployment {deployment_id!r}.")
    reset = await reset_deployments(state, deployment_id)
    await AuditLog(state.db.sessions).record(admin.key_id, "api", "reset", "deployment", deployment_id)
    return {"reset": reset}


async def reset_deployments(state: AppState, deployment_id: str | None) -> list[str]:
    ids = state.invoker.router.reset(deployment_id)
    if state.shared_circuits is not None:
        await state.shared_circuits.forget(ids)
    return ids


MAX_TEAM = 200  # characters: CacheClear.team and the audit log's target_id


@router.delete("/cache", summary="Drop cached answers: a model's, a team's, or all")
async def clear_cache(
    state: State,
    admin: Admin,
    model: Annotated[str | None, Query(description="only this model's answers (its name or an alias)")] = None,
    team: Annotated[str | None, Query(description="only this team's answers (shared models' are no team's)")] = None,
) -> dict[str, int]:
    """Every gateway process forgets them (the semantic index too): at once with Redis, within a
    second through the database without; how many went here."""
    if team is not None and len(team) > MAX_TEAM:  # no team has such an id; the clear and audit rows keep 200
        raise InvalidRequest(f"team: a team id, at most {MAX_TEAM} characters.", param="team")
    if team == "":  # not "every team": leave team out for that
        raise InvalidRequest("team: a team id; leave it out to clear every team's answers.", param="team")
    if state.cache is None:
        return {"deleted": 0, "semantic_deleted": 0}
    if model is not None:
        found = state.catalog.find(model)
        if found is None:
            raise NotFound(f"No model {shown(model)!r}.")
        model = found.name  # an alias's answers are its model's
    if team is not None and await state.teams.get(team) is None:
        # A deleted team's answers stay cached until they expire; its id is in the audit log.
        deleted = AuditFilter(action="delete", target_type="team", target_id=team)
        if not (await AuditLog(state.db.sessions).query(deleted, limit=1))[0]:
            raise NotFound(f"No team {shown(team)!r}: team takes a team's id (GET /admin/teams).")
    try:
        dropped = await state.cache.clear(model, team)
    except Exception as exc:  # boundary: the store (Redis) failed; nothing was confirmed dropped
        raise ServiceUnavailable(f"The cache store could not be cleared: {exc!r}.", retry_after=5.0) from None
    details = {"model": model, "team": team, **dropped}
    await AuditLog(state.db.sessions).record(admin.key_id, "api", "clear", "cache", model or team, details)
    return dropped
