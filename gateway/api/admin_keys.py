"""Admin API for teams and keys (master key or admin keys). Secrets are shown once, at creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter

from gateway.api.admin import Admin
from gateway.deps import State
from gateway.errors import InvalidRequest, NotFound, StrataError
from gateway.lifespan import AppState
from gateway.schemas.admin import KeyCreate, KeyCreated, KeyOut, KeyUpdate, TeamCreate, TeamOut, TeamUpdate

router = APIRouter(prefix="/admin", tags=["Admin: keys and teams"])


class Conflict(StrataError):
    status = 409
    type = "invalid_request_error"
    code = "conflict"


def _check_models(state: AppState, names: list[str] | None, field: str) -> None:
    known = {m.name for m in state.catalog}
    unknown = sorted(set(names or ()) - known)
    if unknown:
        raise InvalidRequest(f"{field} names models that do not exist: {', '.join(unknown)}.", param=field)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _check_future(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    moment = _aware(moment)
    if moment <= datetime.now(UTC):
        raise InvalidRequest("expires_at must be in the future.", param="expires_at")
    return moment


async def _check_team(state: AppState, team_id: str | None) -> None:
    if team_id is not None and await state.teams.get(team_id) is None:
        raise InvalidRequest(f"No team {team_id!r}.", param="team_id")


def _key_fields(body: KeyCreate | KeyUpdate, values: dict[str, Any]) -> dict[str, Any]:
    fields = dict(values)
    if "limits" in fields and body.limits is not None:
        fields["limits"] = body.limits.model_dump(exclude_none=True)
    if "model_limits" in fields and body.model_limits is not None:
        fields["model_limits"] = {m: lim.model_dump(exclude_none=True) for m, lim in body.model_limits.items()}
    return fields


@router.post("/keys", status_code=201, response_model=KeyCreated, summary="Create a key (its secret is shown once)")
async def create_key(body: KeyCreate, state: State, _: Admin) -> KeyCreated:
    _check_models(state, body.allowed_models, "allowed_models")
    _check_models(state, list(body.model_limits), "model_limits")
    await _check_team(state, body.team_id)
    expires = _check_future(body.expires_at)
    if body.expires_in_days is not None:
        expires = datetime.now(UTC) + timedelta(days=body.expires_in_days)
    values = body.model_dump(exclude={"expires_in_days", "expires_at"})
    row, key = await state.keys.create({**_key_fields(body, values), "expires_at": expires})
    return KeyCreated.model_validate({**KeyOut.model_validate(row).model_dump(), "key": key})


@router.get("/keys", response_model=list[KeyOut], summary="List keys")
async def list_keys(state: State, _: Admin, team_id: str | None = None, include_revoked: bool = False) -> list[Any]:
    return list(await state.keys.list(team_id, include_revoked))


@router.get("/keys/{key_id}", response_model=KeyOut, summary="One key (never its secret)")
async def get_key(key_id: str, state: State, _: Admin) -> Any:
    row = await state.keys.get(key_id)
    if row is None:
        raise NotFound(f"No key {key_id!r}.")
    return row


@router.patch(
    "/keys/{key_id}", response_model=KeyOut, summary="Change a key; takes effect everywhere within the cache TTL"
)
async def update_key(key_id: str, body: KeyUpdate, state: State, _: Admin) -> Any:
    _check_models(state, body.allowed_models, "allowed_models")
    _check_models(state, list(body.model_limits or {}), "model_limits")
    changes = _key_fields(body, body.model_dump(exclude_unset=True))
    if "expires_at" in changes:
        changes["expires_at"] = _check_future(body.expires_at)
    row = await state.keys.update(key_id, changes)
    if row is None:
        raise NotFound(f"No key {key_id!r}.")
    await state.key_directory.invalidate(key_id)
    return row


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, summary="Revoke a key")
async def revoke_key(key_id: str, state: State, _: Admin) -> Any:
    row = await state.keys.update(key_id, {"revoked": True})
    if row is None:
        raise NotFound(f"No key {key_id!r}.")
    await state.key_directory.invalidate(key_id)
    return row


@router.post("/teams", status_code=201, response_model=TeamOut, summary="Create a team")
async def create_team(body: TeamCreate, state: State, _: Admin) -> Any:
    if await state.teams.by_name(body.name) is not None:
        raise Conflict(f"A team named {body.name!r} exists already.", param="name")
    return await state.teams.create(body.name, body.limits.model_dump(exclude_none=True), body.tags)


@router.get("/teams", response_model=list[TeamOut], summary="List teams")
async def list_teams(state: State, _: Admin) -> list[Any]:
    return list(await state.teams.list())


@router.get("/teams/{team_id}", response_model=TeamOut, summary="One team")
async def get_team(team_id: str, state: State, _: Admin) -> Any:
    team = await state.teams.get(team_id)
    if team is None:
        raise NotFound(f"No team {team_id!r}.")
    return team


@router.patch("/teams/{team_id}", response_model=TeamOut, summary="Change a team (its keys see it within the TTL)")
async def update_team(team_id: str, body: TeamUpdate, state: State, _: Admin) -> Any:
    changes = body.model_dump(exclude_unset=True)
    if body.limits is not None:
        changes["limits"] = body.limits.model_dump(exclude_none=True)
    if body.name is not None and (other := await state.teams.by_name(body.name)) is not None and other.id != team_id:
        raise Conflict(f"A team named {body.name!r} exists already.", param="name")
    team = await state.teams.update(team_id, changes)
    if team is None:
        raise NotFound(f"No team {team_id!r}.")
    for key in await state.keys.list(team_id, include_revoked=True):
        await state.key_directory.invalidate(key.id)
    return team


@router.delete("/teams/{team_id}", status_code=204, summary="Delete a team that has no keys")
async def delete_team(team_id: str, state: State, _: Admin) -> None:
    if await state.teams.key_count(team_id):
        raise Conflict("The team still has keys; revoke or move them first.")
    if not await state.teams.delete(team_id):
        raise NotFound(f"No team {team_id!r}.")
