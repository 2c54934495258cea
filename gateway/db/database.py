"""The database a gateway uses: engine, sessions, and the migration policy at start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.config.errors import ConfigError
from gateway.db import migrate
from gateway.db.secret_check import SecretCheck, verify_secret
from gateway.db.session import is_sqlite, make_engine, make_sessions
from gateway.logs import LOG

# What a database out of reach raises (refused, reset, dropped mid-query, timed out): callers answer
# 503 / log one line for these, and keep tracebacks for real faults.
STORE_OUTAGES = (OperationalError, InterfaceError, OSError, TimeoutError)


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    secret: SecretCheck | None = None  # checked against the database's at start (see secret_check.py)

    @classmethod
    def connect(cls, url: str, secret: SecretCheck | None = None) -> Database:
        engine = make_engine(url)
        return cls(url, engine, make_sessions(engine), secret)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    async def prepare(self) -> None:
        """SQLite: migrate now. PostgreSQL: refuse to run a schema behind the code. Both: refuse a
        secret key other than the one the stored keys were sealed with (when given one to check)."""
        await self._migrate()
        if self.secret is not None:
            await verify_secret(self.engine, self.secret)

    async def _migrate(self) -> None:
        current, head = await migrate.current_revision(self.engine), migrate.head_revision(self.url)
        if current == head:
            return
        if self.is_sqlite:
            if current is None and await migrate.create_at_head(self.engine, self.url):
                LOG.info("created the embedded database", extra={"fields": {"revision": head}})
                return
            LOG.info("migrating the embedded database", extra={"fields": {"from": current, "to": head}})
            await migrate.upgrade(self.engine, self.url)
            return
        raise ConfigError(
            f"the database schema is at revision {current or 'none'} but this Strata needs {head}; "
            "apply the migrations first: `strata db upgrade` (with the same STRATA_DATABASE_URL)"
        )

    async def aclose(self) -> None:
        await self.engine.dispose()
