"""Console sessions, kept in the database so that every gateway process sharing it knows them.

The browser holds a random 256-bit token (the cookie); the table holds its SHA-256, so reading
the table opens no session. A session ends after ``idle_s`` without a request, ``max_s`` after
signing in, when its user signs out, and as soon as its admin key is revoked, deleted, expires or
stops being an admin's (checked on every request: the console is not a hot path).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.db.models import ApiKey, ConsoleSession
from gateway.services.auth import MASTER_KEY_ID

TOUCH_EVERY = timedelta(seconds=30)  # last_seen_at is written at most this often per session


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in user: which admin key, and the CSRF token its forms and htmx requests carry."""

    key_id: str
    csrf: str
    token_hash: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleSessions:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], idle_s: float, max_s: float) -> None:
        self._sessions = sessions
        self.idle = timedelta(seconds=idle_s)
        self.max = timedelta(seconds=max_s)

    async def open(self, key_id: str) -> tuple[str, Session]:
        """A new session for an admin key: (the cookie's token, the session)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        row = ConsoleSession(
            id=token_hash(token), key_id=key_id, csrf=csrf, created_at=now, last_seen_at=now, expires_at=now + self.max
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))  # tidy up
        return token, Session(key_id, csrf, row.id)

    async def find(self, token: str | None) -> Session | None:
        """The live session of a cookie's token, its idle clock restarted; None if there is none."""
        if not token or len(token) > 100:
            return None
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            row = await session.get(ConsoleSession, token_hash(token))
            if row is None:
                return None
            if row.expires_at <= now or row.last_seen_at + self.idle <= now or not await _still_admin(session, row):
                await session.delete(row)
                return None
            if now - row.last_seen_at >= TOUCH_EVERY:
                row.last_seen_at = now
            return Session(row.key_id, row.csrf, row.id)

    async def close(self, session_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(ConsoleSession).where(ConsoleSession.id == session_id))


async def _still_admin(session: AsyncSession, row: ConsoleSession) -> bool:
    """The master key is always an admin's; a virtual key only while it is an unrevoked,
    unexpired admin key."""
    if row.key_id == MASTER_KEY_ID:
        return True
    key = await session.get(ApiKey, row.key_id)
    if key is None or key.revoked or not key.is_admin:
        return False
    return key.expires_at is None or key.expires_at > datetime.now(UTC)
