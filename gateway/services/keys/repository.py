"""Teams and keys in the database. Only the admin API and cache misses come here."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import ApiKey, Team
from gateway.services.keys.crypto import KeySealer, new_key


def now() -> datetime:
    return datetime.now(UTC)


class TeamRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(
        self,
        name: str,
        limits: dict[str, Any],
        tags: list[str],
        guardrails: list[str] | None = None,
        alerts: dict[str, Any] | None = None,
    ) -> Team:
        team = Team(
            id="team_" + secrets.token_hex(6),
            name=name,
            limits=limits,
            tags=tags,
            guardrails=guardrails or [],
            alerts=alerts,
            created_at=now(),
            updated_at=now(),
        )
        async with self._sessions.begin() as session:
            session.add(team)
        return team

    async def get(self, team_id: str) -> Team | None:
        async with self._sessions() as session:
            return await session.get(Team, team_id)

    async def by_name(self, name: str) -> Team | None:
        async with self._sessions() as session:
            return (await session.execute(select(Team).where(Team.name == name))).scalar_one_or_none()

    async def list(self) -> list[Team]:
        async with self._sessions() as session:
            return list((await session.execute(select(Team).order_by(Team.created_at))).scalars())

    async def update(self, team_id: str, changes: dict[str, Any]) -> Team | None:
        async with self._sessions.begin() as session:
            team = await session.get(Team, team_id)
            if team is None:
                return None
            for field, value in changes.items():
                setattr(team, field, value)
            team.updated_at = now()
        return team

    async def delete(self, team_id: str) -> int | None:
        """Delete a team whose keys are all revoked; those keys stay, detached (team_id null), so
        they remain listed and audited. None: no such team; else how many active keys it has (0:
        deleted; more: nothing changed). A key added meanwhile fails the foreign key (IntegrityError)."""
        async with self._sessions.begin() as session:
            team = await session.get(Team, team_id, with_for_update=True)
            if team is None:
                return None
            active = int((await session.execute(_active_keys(team_id))).scalar_one())
            if active:
                return active
            detach = update(ApiKey).where(ApiKey.team_id == team_id).values(team_id=None, updated_at=now())
            await session.execute(detach)
            await session.delete(team)
        return 0


def _active_keys(team_id: str) -> Select[Any]:
    return select(func.count()).select_from(ApiKey).where(ApiKey.team_id == team_id, ApiKey.revoked.is_(False))


class KeyRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], sealer: KeySealer) -> None:
        self._sessions = sessions
        self._sealer = sealer

    async def create(self, fields: dict[str, Any]) -> tuple[ApiKey, str]:
        """A new key row and the key itself (returned once, never stored in the clear)."""
        key_id, key = new_key()
        row = ApiKey(
            id=key_id,
            secret_hash=self._sealer.lookup_hash(key),
            secret_sealed=self._sealer.seal(key, key_id),
            created_at=now(),
            updated_at=now(),
            **fields,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return row, key

    async def get(self, key_id: str) -> ApiKey | None:
        async with self._sessions() as session:
            return await session.get(ApiKey, key_id)

    async def by_hash(self, lookup_hash: str) -> tuple[ApiKey, Team | None] | None:
        async with self._sessions() as session:
            row = (await session.execute(select(ApiKey).where(ApiKey.secret_hash == lookup_hash))).scalar_one_or_none()
            if row is None:
                return None
            team = await session.get(Team, row.team_id) if row.team_id else None
            return row, team

    async def with_team(self, key_id: str) -> tuple[ApiKey, Team | None] | None:
        async with self._sessions() as session:
            row = await session.get(ApiKey, key_id)
            if row is None:
                return None
            team = await session.get(Team, row.team_id) if row.team_id else None
            return row, team

    async def list(self, team_id: str | None = None, include_revoked: bool = False) -> list[ApiKey]:
        query = select(ApiKey).order_by(ApiKey.created_at)
        if team_id is not None:
            query = query.where(ApiKey.team_id == team_id)
        if not include_revoked:
            query = query.where(ApiKey.revoked.is_(False))
        async with self._sessions() as session:
            return list((await session.execute(query)).scalars())

    async def update(self, key_id: str, changes: dict[str, Any]) -> ApiKey | None:
        async with self._sessions.begin() as session:
            row = await session.get(ApiKey, key_id)
            if row is None:
                return None
            for field, value in changes.items():
                setattr(row, field, value)
            row.updated_at = now()
        return row

    async def delete(self, key_id: str) -> bool:
        """Remove a key for good (its usage records keep its id). False: no such key."""
        async with self._sessions.begin() as session:
            row = await session.get(ApiKey, key_id)
            if row is None:
                return False
            await session.delete(row)
        return True

    def lookup_hash(self, key: str) -> str:
        return self._sealer.lookup_hash(key)

    def secret_of(self, row: ApiKey) -> str:
        return self._sealer.open(row.secret_sealed, row.id)
