"""Guardrails in the database: each one's DRAFT and its numbered versions.

Only the control-plane API and the registry's cache misses come here; no request path does.
Definitions are stored as CreateGuardrail's body (``GuardrailDefinition.stored()``), already
validated; what comes back is handed out as stored (a hand-edited row may not be a dict at all:
the registry says so when it compiles it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from gateway.db.models import ApiKey, Guardrail, GuardrailVersion, Team
from gateway.guardrails.identifiers import DRAFT, new_id

Tags = dict[str, str]  # one tag as stored: {"key": ..., "value": ...}


class NameTaken(Exception):
    """Another guardrail has this name already."""


class TokenReused(Exception):
    """A clientRequestToken that created another guardrail than the one asked for now."""


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version of a guardrail as stored: DRAFT, or a number."""

    guardrail_id: str
    version: str
    definition: Any  # the stored dict (UNREADABLE when the row was edited into something else)
    created_at: datetime
    updated_at: datetime
    latest_version: int = 0  # DRAFT only: the highest number given so far

    @property
    def revision(self) -> str:
        """Changes whenever what this version holds changes (only a DRAFT ever does)."""
        return self.updated_at.isoformat() if self.version == DRAFT else self.version


def _draft(row: Guardrail) -> StoredVersion:
    return StoredVersion(row.id, DRAFT, row.definition, row.created_at, row.updated_at, row.latest_version)


def _numbered(row: GuardrailVersion) -> StoredVersion:
    return StoredVersion(row.guardrail_id, str(row.version), row.definition, row.created_at, row.created_at)


def _now() -> datetime:
    return datetime.now(UTC)


class GuardrailStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self, definition: dict[str, Any], token: str | None, taken: set[str]
    ) -> tuple[StoredVersion, bool]:
        """A new guardrail (its DRAFT), or the one ``token`` created before (False: not new).
        ``taken``: ids that may not be given (the config's guardrails). NameTaken, TokenReused."""
        if token is not None and (earlier := await self._by_token(token)) is not None:
            return self._same_request(earlier, definition), False
        guardrail_id = new_id()
        while guardrail_id in taken:
            guardrail_id = new_id()
        moment = _now()
        row = Guardrail(
            id=guardrail_id,
            name=definition["name"],
            definition=definition,
            latest_version=0,
            client_request_token=token,
            created_at=moment,
            updated_at=moment,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:  # the name, or the same token sent twice at once
            if token is not None and (earlier := await self._by_token(token)) is not None:
                return self._same_request(earlier, definition), False
            raise NameTaken(definition["name"]) from None
        return _draft(row), True

    @staticmethod
    def _same_request(earlier: Guardrail, definition: dict[str, Any]) -> StoredVersion:
        if earlier.name != definition["name"]:
            raise TokenReused(earlier.id)
        return _draft(earlier)

    async def _by_token(self, token: str) -> Guardrail | None:
        async with self._sessions() as session:
            query = select(Guardrail).where(Guardrail.client_request_token == token)
            return (await session.execute(query)).scalar_one_or_none()

    async def by_name(self, name: str) -> StoredVersion | None:
        async with self._sessions() as session:
            row = (await session.execute(select(Guardrail).where(Guardrail.name == name))).scalar_one_or_none()
            return _draft(row) if row is not None else None

    async def load(self, guardrail_id: str, version: str) -> StoredVersion | None:
        """One version (DRAFT or a number given as text), or None."""
        async with self._sessions() as session:
            if version == DRAFT:
                row = await session.get(Guardrail, guardrail_id)
                return _draft(row) if row is not None else None
            if not version.isdigit():
                return None
            numbered = await session.get(GuardrailVersion, (guardrail_id, int(version)))
            return _numbered(numbered) if numbered is not None else None

    async def drafts(self) -> list[StoredVersion]:
        """Every guardrail's DRAFT, oldest first."""
        async with self._sessions() as session:
            rows = await session.execute(select(Guardrail).order_by(Guardrail.created_at, Guardrail.id))
            return [_draft(row) for row in rows.scalars()]

    async def versions(self, guardrail_id: str) -> list[StoredVersion]:
        """A guardrail's numbered versions, in order."""
        query = select(GuardrailVersion).where(GuardrailVersion.guardrail_id == guardrail_id)
        async with self._sessions() as session:
            rows = await session.execute(query.order_by(GuardrailVersion.version))
            return [_numbered(row) for row in rows.scalars()]

    async def update(self, guardrail_id: str, definition: dict[str, Any]) -> StoredVersion | None:
        """Replace the DRAFT (None: no such guardrail). NameTaken when renamed onto another's name."""
        try:
            async with self._sessions.begin() as session:
                row = await session.get(Guardrail, guardrail_id)
                if row is None:
                    return None
                row.name = definition["name"]
                row.definition = definition
                row.updated_at = _now()
        except IntegrityError:
            raise NameTaken(definition["name"]) from None
        except StaleDataError:  # deleted between the read and the write: no such guardrail now
            return None
        return _draft(row)

    async def retag(self, guardrail_id: str, change: Callable[[list[Tags]], list[Tags]]) -> list[Tags] | None:
        """The guardrail's tags made ``change(tags)`` in one transaction (None: no such guardrail).
        Tags are the resource's (TagResource), kept with the DRAFT, whose updatedAt stays."""
        try:
            async with self._sessions.begin() as session:
                row = await session.get(Guardrail, guardrail_id, with_for_update=True)
                if row is None:
                    return None
                definition = dict(row.definition) if isinstance(row.definition, dict) else {}
                tags = change(list(definition.pop("tags", None) or []))
                row.definition = {**definition, "tags": tags} if tags else definition
        except StaleDataError:  # deleted meanwhile
            return None
        return tags

    async def create_version(self, guardrail_id: str, description: str | None, token: str | None) -> int | None:
        """Snapshot the DRAFT as the next number (None: no such guardrail); the version ``token``
        made before, if any (TokenReused when this one is described otherwise, as CreateGuardrail
        refuses a token reused for another guardrail). ValueError when the DRAFT cannot be read."""
        async with self._sessions.begin() as session:
            if token is not None:
                query = select(GuardrailVersion.version, GuardrailVersion.definition).where(
                    GuardrailVersion.guardrail_id == guardrail_id, GuardrailVersion.client_request_token == token
                )
                earlier = (await session.execute(query)).one_or_none()
                if earlier is not None:
                    made = earlier[1] if isinstance(earlier[1], dict) else {}
                    if description and made.get("description") != description:
                        raise TokenReused(f"version {earlier[0]}, described otherwise")
                    return int(earlier[0])
            bump = (
                update(Guardrail)
                .where(Guardrail.id == guardrail_id)
                .values(latest_version=Guardrail.latest_version + 1)
                .returning(Guardrail.latest_version, Guardrail.definition)
            )
            found = (await session.execute(bump)).one_or_none()
            if found is None:
                return None
            number, definition = int(found[0]), found[1]
            if not isinstance(definition, dict):
                raise ValueError("the guardrail's DRAFT cannot be read; update it first")
            snapshot = {**definition, **({"description": description} if description else {})}
            session.add(
                GuardrailVersion(
                    guardrail_id=guardrail_id,
                    version=number,
                    definition=snapshot,
                    client_request_token=token,
                    created_at=_now(),
                )
            )
        return number

    async def delete(self, guardrail_id: str) -> bool:
        """The guardrail and every version of it (False: no such guardrail)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(GuardrailVersion).where(GuardrailVersion.guardrail_id == guardrail_id))
            done = await session.execute(delete(Guardrail).where(Guardrail.id == guardrail_id))
        return bool(getattr(done, "rowcount", 0))

    async def delete_version(self, guardrail_id: str, version: int) -> bool:
        query = delete(GuardrailVersion).where(
            GuardrailVersion.guardrail_id == guardrail_id, GuardrailVersion.version == version
        )
        async with self._sessions.begin() as session:
            done = await session.execute(query)
        return bool(getattr(done, "rowcount", 0))

    async def users(self) -> list[tuple[str, Any]]:
        """(who, their guardrails) for every active key and every team: what a deletion must not
        pull from under them. Revoked keys cannot call anything, so they hold nothing up."""
        async with self._sessions() as session:
            keys = await session.execute(select(ApiKey.id, ApiKey.guardrails).where(ApiKey.revoked.is_(False)))
            teams = await session.execute(select(Team.id, Team.guardrails))
            return [(f"key {i}", g) for i, g in keys.all()] + [(f"team {i}", g) for i, g in teams.all()]
