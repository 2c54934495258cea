"""Presented key -> Principal, fast: an in-process cache with a short TTL over the database.

A hit costs an HMAC and a dict lookup; a miss costs one query, shared by every request that
missed on the same key at the same time (single flight). Unknown keys are remembered briefly
too, so a client hammering with a bad key cannot hammer the database. Revocation invalidates the
local entry at once and, when Redis is configured, every other process's through pub/sub;
without Redis, other processes see it within the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.db.models import ApiKey, Team
from gateway.errors import AuthenticationFailed
from gateway.logs import LOG
from gateway.schemas.limits import Limits
from gateway.services.context import Principal
from gateway.services.keys.repository import KeyRepository

REVOCATIONS = "strata:keys:invalidate"


@dataclass(slots=True)
class _Entry:
    principal: Principal | None
    refusal: str | None
    expires_at: datetime | None
    cached_until: float


def principal_from(row: ApiKey, team: Team | None) -> Principal:
    return Principal(
        key_id=row.id,
        is_admin=row.is_admin,
        team_id=row.team_id,
        allowed_models=frozenset(row.allowed_models) if row.allowed_models is not None else None,
        limits=Limits.model_validate(row.limits or {}),
        team_limits=Limits.model_validate(team.limits or {}) if team is not None else Limits(),
        model_limits={name: Limits.model_validate(v) for name, v in (row.model_limits or {}).items()},
        tags=tuple(row.tags or ()),
        guardrails=tuple(row.guardrails or ()),
    )


class KeyDirectory:
    def __init__(
        self, keys: KeyRepository, ttl_s: float = 10.0, unknown_ttl_s: float = 2.0, redis_url: str | None = None
    ) -> None:
        self._keys = keys
        self._ttl = ttl_s
        self._unknown_ttl = unknown_ttl_s
        self._entries: dict[str, _Entry] = {}
        self._hash_of: dict[str, str] = {}  # key id -> lookup hash, for invalidation
        self._pending: dict[str, asyncio.Future[_Entry]] = {}
        self._secrets: dict[str, tuple[str | None, float]] = {}  # key id -> (key, cached until), for SigV4
        self._redis_url = redis_url
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def principal_for(self, key: str) -> Principal:
        """The key's principal, or AuthenticationFailed saying why (unknown, revoked, expired)."""
        digest = self._keys.lookup_hash(key)
        entry = self._entries.get(digest)
        if entry is None or entry.cached_until < time.monotonic():
            entry = await self._load(digest)
        if entry.principal is None:
            raise AuthenticationFailed(entry.refusal or "Incorrect API key provided.")
        if entry.expires_at is not None and entry.expires_at <= datetime.now(UTC):
            raise AuthenticationFailed("This API key has expired.", code="expired_api_key")
        return entry.principal

    async def _load(self, digest: str) -> _Entry:
        pending = self._pending.get(digest)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self._pending[digest] = future
        try:
            entry = await self._query(digest)
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it
            raise
        finally:
            del self._pending[digest]

    async def _query(self, digest: str) -> _Entry:
        found = await self._keys.by_hash(digest)
        if found is None:
            entry = _Entry(None, "Incorrect API key provided.", None, time.monotonic() + self._unknown_ttl)
        else:
            row, team = found
            refusal = "This API key has been revoked." if row.revoked else None
            expires = (
                row.expires_at.replace(tzinfo=UTC)
                if row.expires_at and row.expires_at.tzinfo is None
                else row.expires_at
            )
            entry = _Entry(
                None if refusal else principal_from(row, team), refusal, expires, time.monotonic() + self._ttl
            )
            self._hash_of[row.id] = digest
        self._entries[digest] = entry
        return entry

    async def secret_for(self, key_id: str) -> str | None:
        """The key itself, for verifying a SigV4 signature made with it (None if unknown)."""
        cached = self._secrets.get(key_id)
        if cached is not None and cached[1] >= time.monotonic():
            return cached[0]
        row = await self._keys.get(key_id)
        secret = self._keys.secret_of(row) if row is not None else None
        self._secrets[key_id] = (secret, time.monotonic() + (self._ttl if secret else self._unknown_ttl))
        return secret

    def forget(self, key_id: str) -> None:
        digest = self._hash_of.pop(key_id, None)
        if digest is not None:
            self._entries.pop(digest, None)
        self._secrets.pop(key_id, None)

    async def invalidate(self, key_id: str) -> None:
        """After a change to a key: drop it here now, and everywhere else through Redis."""
        self.forget(key_id)
        if self._redis is not None:
            try:
                await self._redis.publish(REVOCATIONS, key_id)
            except Exception as exc:  # boundary: others fall back to the TTL
                LOG.warning("could not broadcast a key change", extra={"fields": {"error": repr(exc)}})

    async def start(self) -> None:
        if self._redis_url is None:
            return
        import redis.asyncio as redis

        self._redis = redis.from_url(self._redis_url, socket_connect_timeout=1.0)
        self._listener = asyncio.create_task(self._listen(), name="strata-key-invalidations")

    async def _listen(self) -> None:
        while True:
            try:
                pubsub = self._redis.pubsub()
                await pubsub.subscribe(REVOCATIONS)
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        data = message["data"]
                        self.forget(data.decode() if isinstance(data, bytes) else str(data))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # boundary: keep listening; the TTL covers the gap
                LOG.warning("key invalidation listener lost Redis", extra={"fields": {"error": repr(exc)}})
                self._entries.clear()  # whatever was missed meanwhile expires now, not in a TTL
                await asyncio.sleep(1.0)

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()
