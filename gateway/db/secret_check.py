"""One STRATA_SECRET_KEY per database: checked at start, so a mismatch refuses to start loudly.

Keys are looked up by an HMAC and sealed under sub-keys of the secret, so a gateway started with
another secret answers 401 to every key the others made (and they to its keys), silently. The
database holds a check value (an HMAC of a fixed label, see KeySealer.check_value), written by
the first gateway that starts; every later one compares its own. A database from before the
check adopts the starting gateway's value if its secret opens the stored keys.
"""

from __future__ import annotations

import hmac
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.config.errors import ConfigError
from gateway.db.models import ApiKey, GatewayMeta

CHECK_NAME = "secret_key_check"
SAMPLE = 5  # stored keys tried when adopting: any one that opens proves the secret
MISMATCH = (
    "STRATA_SECRET_KEY differs from the one the keys in this database were sealed with; "
    "set STRATA_SECRET_KEY to the same value on every gateway sharing STRATA_DATABASE_URL"
)


class SecretCheck(Protocol):
    """What the check needs of the key sealer (gateway.services.keys.crypto.KeySealer)."""

    def check_value(self) -> str: ...

    def opens(self, sealed: bytes, key_id: str) -> bool: ...


async def verify_secret(engine: AsyncEngine, sealer: SecretCheck) -> None:
    """Return if ``sealer``'s secret is the database's (recording it if the database had none);
    ConfigError saying what to do otherwise."""
    mine = sealer.check_value()
    async with engine.begin() as conn:
        stored = await _stored(conn)
        if stored is None:
            if not await _opens_stored_keys(conn, sealer):
                raise ConfigError(MISMATCH)
            await _record(conn, mine)
            stored = await _stored(conn)  # another gateway may have recorded its own first
    if stored is None or not hmac.compare_digest(stored, mine):
        raise ConfigError(MISMATCH)


async def _stored(conn: AsyncConnection) -> str | None:
    value = await conn.scalar(select(GatewayMeta.value).where(GatewayMeta.name == CHECK_NAME))
    return None if value is None else str(value)


async def _opens_stored_keys(conn: AsyncConnection, sealer: SecretCheck) -> bool:
    """True with no stored keys, or when one of a few opens under this secret."""
    rows = (await conn.execute(select(ApiKey.id, ApiKey.secret_sealed).limit(SAMPLE))).all()
    return not rows or any(sealer.opens(sealed, key_id) for key_id, sealed in rows)


async def _record(conn: AsyncConnection, value: str) -> None:
    """Insert the check value unless a gateway starting at the same time already did."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    await conn.execute(insert(GatewayMeta).values(name=CHECK_NAME, value=value).on_conflict_do_nothing())
