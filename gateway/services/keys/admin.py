"""Changing teams and keys, for the admin API and the console alike: checks, writes, cache
invalidation and the audit entry, in one place.

What ``null`` means for each field is the schemas' (gateway.schemas.admin). Deleting a key is for
good (its usage records keep its id); a team can be deleted once every key of it is revoked, and
those revoked keys stay, detached from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError

from gateway.caller_text import holds_surrogate, shown
from gateway.db.models import ApiKey, Team
from gateway.errors import Conflict, InvalidRequest, NotFound
from gateway.guardrails.request import GuardrailRef
from gateway.schemas.admin import KeyCreate, KeyUpdate, TeamCreate, TeamUpdate
from gateway.services.audit import AuditLog, Via

if TYPE_CHECKING:
    from gateway.lifespan import AppState


def _shown(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields for the audit log, JSON-ready (an expiry as ISO 8601)."""
    return {name: value.isoformat() if isinstance(value, datetime) else value for name, value in fields.items()}


def _no_lone_surrogates(fields: dict[str, Any]) -> None:
    """No field may hold a lone UTF-16 surrogate (JSON's ``"\\ud800"``): it has no UTF-8 form, so no
    database stores it (SQLite's driver raises) and no id or model name holds one. A 400 naming
    the field, before any lookup: as the schemas refuse a NUL (gateway/nul_text.py)."""
    for name, value in fields.items():
        if holds_surrogate(value):
            raise InvalidRequest(
                f"{name} holds a lone UTF-16 surrogate (such as \\ud800), which no id, name or tag may contain.",
                param=name,
            )


@asynccontextmanager
async def _team_still_there(team_id: str | None) -> AsyncIterator[None]:
    """The team was checked, then deleted before the key was written: the foreign key says so."""
    try:
        yield
    except IntegrityError:
        raise InvalidRequest(f"No team {shown(team_id or '')!r}.", param="team_id") from None


class KeyAdmin:
    """The changes one admin (``actor``: a key id or ``master``) makes, through ``via``."""

    def __init__(self, state: AppState, actor: str, via: Via) -> None:
        self.state = state
        self.actor = actor
        self.via = via

    async def _audit(self, action: str, kind: str, target: str, details: dict[str, Any] | None = None) -> None:
        await AuditLog(self.state.db.sessions).record(self.actor, self.via, action, kind, target, details)

    def check_models(self, names: list[str] | None, field: str) -> None:
        known = {m.name for m in self.state.catalog}
        unknown = sorted(set(names or ()) - known)
        if unknown:
            raise InvalidRequest(f"{field} names models that do not exist: {', '.join(unknown)}.", param=field)

    async def check_guardrails(self, entries: list[str] | None) -> None:
        """Each entry ID or ID:VERSION (an ARN for an ID too), naming a guardrail (and version) that exists."""
        unknown = []
        for text in entries or ():
            ref = GuardrailRef.parse(text, "guardrails")
            if not await self.state.guardrails.exists(ref.identifier, ref.version):
                unknown.append(text)
        if unknown:
            raise InvalidRequest(
                f"guardrails names guardrails that do not exist: {', '.join(unknown)}.", param="guardrails"
            )

    async def check_team(self, team_id: str | None) -> None:
        _no_lone_surrogates({"team_id": team_id})
        if team_id is not None and await self.state.teams.get(team_id) is None:
            raise InvalidRequest(f"No team {shown(team_id)!r}.", param="team_id")

    async def create_key(self, body: KeyCreate) -> tuple[ApiKey, str]:
        """The new key's row and its secret (shown once, by the caller)."""
        _no_lone_surrogates(body.stored())
        self.check_models(body.allowed_models, "allowed_models")
        self.check_models(list(body.model_limits), "model_limits")
        await self.check_guardrails(body.guardrails)
        await self.check_team(body.team_id)
        fields = {**body.stored(), "expires_at": body.expiry()}
        del fields["expires_in_days"]
        async with _team_still_there(body.team_id):
            row, key = await self.state.keys.create(fields)
        await self._audit("create", "key", row.id, _shown(body.stored()))
        return row, key

    async def update_key(self, key_id: str, body: KeyUpdate) -> ApiKey:
        changes = body.stored(body.model_fields_set)
        _no_lone_surrogates(changes)
        self.check_models(changes.get("allowed_models"), "allowed_models")
        self.check_models(list(changes.get("model_limits", ())), "model_limits")
        await self.check_guardrails(changes.get("guardrails"))
        if "team_id" in changes:
            await self.check_team(body.team_id)
        async with _team_still_there(body.team_id):
            row = await self.state.keys.update(key_id, changes)
        if row is None:
            raise NotFound(f"No key {shown(key_id)!r}.")
        await self.state.key_directory.invalidate(key_id)  # the team's limits are part of the cached principal
        await self._audit("update", "key", key_id, _shown(changes))
        return row

    async def delete_key(self, key_id: str) -> None:
        if not await self.state.keys.delete(key_id):
            raise NotFound(f"No key {shown(key_id)!r}.")
        await self.state.key_directory.invalidate(key_id)
        await self._audit("delete", "key", key_id)

    async def revoke_key(self, key_id: str) -> ApiKey:
        row = await self.state.keys.update(key_id, {"revoked": True})
        if row is None:
            raise NotFound(f"No key {shown(key_id)!r}.")
        await self.state.key_directory.invalidate(key_id)
        await self._audit("revoke", "key", key_id)
        return row

    async def create_team(self, body: TeamCreate) -> Team:
        _no_lone_surrogates(body.stored())
        teams = self.state.teams
        if await teams.by_name(body.name) is not None:
            raise Conflict(f"A team named {body.name!r} exists already.", param="name")
        await self.check_guardrails(body.guardrails)
        fields = body.stored()
        try:
            team = await teams.create(
                fields["name"], fields["limits"], fields["tags"], fields["guardrails"], fields["alerts"]
            )
        except IntegrityError:  # created by another request since the check
            raise Conflict(f"A team named {body.name!r} exists already.", param="name") from None
        await self._audit("create", "team", team.id, fields)
        return team

    async def update_team(self, team_id: str, body: TeamUpdate) -> Team:
        changes = body.stored(body.model_fields_set)
        _no_lone_surrogates(changes)
        await self.check_guardrails(changes.get("guardrails"))
        teams = self.state.teams
        if body.name is not None and (other := await teams.by_name(body.name)) is not None and other.id != team_id:
            raise Conflict(f"A team named {body.name!r} exists already.", param="name")
        try:
            team = await teams.update(team_id, changes)
        except IntegrityError:  # renamed by another request since the check
            raise Conflict(f"A team named {body.name!r} exists already.", param="name") from None
        if team is None:
            raise NotFound(f"No team {shown(team_id)!r}.")
        for key in await self.state.keys.list(team_id, include_revoked=True):
            await self.state.key_directory.invalidate(key.id)
        await self._audit("update", "team", team_id, changes)
        return team

    async def delete_team(self, team_id: str) -> None:
        try:
            active = await self.state.teams.delete(team_id)
        except IntegrityError:
            raise Conflict(
                "A key joined the team while it was being deleted; look at its keys and try again."
            ) from None
        if active is None:
            raise NotFound(f"No team {shown(team_id)!r}.")
        if active:
            keys = f"{active} active key{'s' if active != 1 else ''}"
            raise Conflict(
                f"The team still has {keys}; revoke them (POST /admin/keys/{{id}}/revoke) or move them to another "
                "team (PATCH /admin/keys/{id} with team_id) first."
            )
        await self._audit("delete", "team", team_id)
