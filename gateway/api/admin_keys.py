"""Admin API for teams and keys (master key or admin keys). Secrets are shown once, at creation.

What ``null`` means for each field is the schemas' (gateway.schemas.admin). Deleting a key is for
good (its usage records keep its id); a team can be deleted once every key of it is revoked, and
those revoked keys stay, detached from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError

from gateway.api.admin import Admin
from gateway.deps import State
from gateway.errors import Conflict, InvalidRequest, NotFound
from gateway.guardrails.request import GuardrailRef
from gateway.lifespan import AppState
from gateway.schemas.admin import KeyCreate, KeyCreated, KeyOut, KeyUpdate, TeamCreate, TeamOut, TeamUpdate

router = APIRouter(prefix="/admin", tags=["Admin: keys and teams"])


def _check_models(state: AppState, names: list[str] | None, field: str) -> None:
    known = {m.name for m in state.catalog}
    unknown = sorted(set(names or ()) - known)
    if unknown:
        raise InvalidRequest(f"{field} names models that do not exist: {', '.join(unknown)}.", param=field)


async def _check_guardrails(state: AppState, entries: list[str] | None) -> None:
    """Each entry ID or ID:VERSION (an ARN for an ID too), naming a guardrail (and version) that exists."""
    unknown = []
    for text in entries or ():
        ref = GuardrailRef.parse(text, "guardrails")
        if not await state.guardrails.exists(ref.identifier, ref.version):
            unknown.append(text)
    if unknown:
        raise InvalidRequest(
            f"guardrails names guardrails that do not exist: {', '.join(unknown)}.", param="guardrails"
        )


async def _check_team(state: AppState, team_id: str | None) -> None:
    if team_id is not None and await state.teams.get(team_id) is None:
        raise InvalidRequest(f"No team {team_id!r}.", param="team_id")


@asynccontextmanager
async def _team_still_there(team_id: str | None) -> AsyncIterator[None]:
    """The team was checked, then deleted before the key was written: the foreign key says so."""
    try:
        yield
    except IntegrityError:
        raise InvalidRequest(f"No team {team_id!r}.", param="team_id") from None


@router.post("/keys", status_code=201, response_model=KeyCreated, summary="Create a key (its secret is shown once)")
async def create_key(body: KeyCreate, state: State, _: Admin) -> KeyCreated:
    _check_models(state, body.allowed_models, "allowed_models")
    _check_models(state, list(body.model_limits), "model_limits")
    await _check_guardrails(state, body.guardrails)
    await _check_team(state, body.team_id)
    fields = {**body.stored(), "expires_at": body.expiry()}
    del fields["expires_in_days"]
    async with _team_still_there(body.team_id):
        row, key = await state.keys.create(fields)
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
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="Change a key or move it to another team; takes effect everywhere within the cache TTL",
)
async def update_key(key_id: str, body: KeyUpdate, state: State, _: Admin) -> Any:
    changes = body.stored(body.model_fields_set)
    _check_models(state, changes.get("allowed_models"), "allowed_models")
    _check_models(state, list(changes.get("model_limits", ())), "model_limits")
    await _check_guardrails(state, changes.get("guardrails"))
    if "team_id" in changes:
        await _check_team(state, body.team_id)
    async with _team_still_there(body.team_id):
        row = await state.keys.update(key_id, changes)
    if row is None:
        raise NotFound(f"No key {key_id!r}.")
    await state.key_directory.invalidate(key_id)  # the team's limits are part of the cached principal
    return row


@router.delete("/keys/{key_id}", status_code=204, summary="Delete a key; it stops working at once")
async def delete_key(key_id: str, state: State, _: Admin) -> None:
    if not await state.keys.delete(key_id):
        raise NotFound(f"No key {key_id!r}.")
    await state.key_directory.invalidate(key_id)


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
    await _check_guardrails(state, body.guardrails)
    fields = body.stored()
    try:
        return await state.teams.create(fields["name"], fields["limits"], fields["tags"], fields["guardrails"])
    except IntegrityError:  # created by another request since the check
        raise Conflict(f"A team named {body.name!r} exists already.", param="name") from None


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
    changes = body.stored(body.model_fields_set)
    await _check_guardrails(state, changes.get("guardrails"))
    if body.name is not None and (other := await state.teams.by_name(body.name)) is not None and other.id != team_id:
        raise Conflict(f"A team named {body.name!r} exists already.", param="name")
    try:
        team = await state.teams.update(team_id, changes)
    except IntegrityError:  # renamed by another request since the check
        raise Conflict(f"A team named {body.name!r} exists already.", param="name") from None
    if team is None:
        raise NotFound(f"No team {team_id!r}.")
    for key in await state.keys.list(team_id, include_revoked=True):
        await state.key_directory.invalidate(key.id)
    return team


@router.delete(
    "/teams/{team_id}", status_code=204, summary="Delete a team whose keys are all revoked (they stay, detached)"
)
async def delete_team(team_id: str, state: State, _: Admin) -> None:
    try:
        active = await state.teams.delete(team_id)
    except IntegrityError:
        raise Conflict("A key joined the team while it was being deleted; look at its keys and try again.") from None
    if active is None:
        raise NotFound(f"No team {team_id!r}.")
    if active:
        keys = f"{active} active key{'s' if active != 1 else ''}"
        raise Conflict(
            f"The team still has {keys}; revoke them (POST /admin/keys/{{id}}/revoke) or move them to another "
            "team (PATCH /admin/keys/{id} with team_id) first."
        )
