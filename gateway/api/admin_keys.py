"""Admin API for teams and keys (master key or admin keys). Secrets are shown once, at creation.

Thin: the checks, writes and audit entries are gateway/services/keys/admin.py's, shared with the
console. What ``null`` means for each field is the schemas' (gateway.schemas.admin). Deleting a
key is for good (its usage records keep its id); a team can be deleted once every key of it is
revoked, and those revoked keys stay, detached from it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.api.admin import Admin
from gateway.caller_text import shown
from gateway.deps import State
from gateway.errors import NotFound
from gateway.lifespan import AppState
from gateway.schemas.admin import KeyCreate, KeyCreated, KeyOut, KeyUpdate, TeamCreate, TeamOut, TeamUpdate
from gateway.services.context import Principal
from gateway.services.keys.admin import KeyAdmin

router = APIRouter(prefix="/admin", tags=["Admin: keys and teams"])


def _admin(state: AppState, principal: Principal) -> KeyAdmin:
    return KeyAdmin(state, principal.key_id, "api")


@router.post("/keys", status_code=201, response_model=KeyCreated, summary="Create a key (its secret is shown once)")
async def create_key(body: KeyCreate, state: State, admin: Admin) -> KeyCreated:
    row, key = await _admin(state, admin).create_key(body)
    return KeyCreated.model_validate({**KeyOut.model_validate(row).model_dump(), "key": key})


@router.get("/keys", response_model=list[KeyOut], summary="List keys")
async def list_keys(state: State, _: Admin, team_id: str | None = None, include_revoked: bool = False) -> list[Any]:
    return list(await state.keys.list(team_id, include_revoked))


@router.get("/keys/{key_id}", response_model=KeyOut, summary="One key (never its secret)")
async def get_key(key_id: str, state: State, _: Admin) -> Any:
    row = await state.keys.get(key_id)
    if row is None:
        raise NotFound(f"No key {shown(key_id)!r}.")
    return row


@router.patch(
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="Change a key or move it to another team; takes effect everywhere within the cache TTL",
)
async def update_key(key_id: str, body: KeyUpdate, state: State, admin: Admin) -> Any:
    return await _admin(state, admin).update_key(key_id, body)


@router.delete("/keys/{key_id}", status_code=204, summary="Delete a key; it stops working at once")
async def delete_key(key_id: str, state: State, admin: Admin) -> None:
    await _admin(state, admin).delete_key(key_id)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, summary="Revoke a key")
async def revoke_key(key_id: str, state: State, admin: Admin) -> Any:
    return await _admin(state, admin).revoke_key(key_id)


@router.post("/teams", status_code=201, response_model=TeamOut, summary="Create a team")
async def create_team(body: TeamCreate, state: State, admin: Admin) -> Any:
    return await _admin(state, admin).create_team(body)


@router.get("/teams", response_model=list[TeamOut], summary="List teams")
async def list_teams(state: State, _: Admin) -> list[Any]:
    return list(await state.teams.list())


@router.get("/teams/{team_id}", response_model=TeamOut, summary="One team")
async def get_team(team_id: str, state: State, _: Admin) -> Any:
    team = await state.teams.get(team_id)
    if team is None:
        raise NotFound(f"No team {shown(team_id)!r}.")
    return team


@router.patch("/teams/{team_id}", response_model=TeamOut, summary="Change a team (its keys see it within the TTL)")
async def update_team(team_id: str, body: TeamUpdate, state: State, admin: Admin) -> Any:
    return await _admin(state, admin).update_team(team_id, body)


@router.delete(
    "/teams/{team_id}", status_code=204, summary="Delete a team whose keys are all revoked (they stay, detached)"
)
async def delete_team(team_id: str, state: State, admin: Admin) -> None:
    await _admin(state, admin).delete_team(team_id)
