"""Presented key -> Principal, fast: an in-process cache with a short TTL over the database.

A hit costs an HMAC and a dict lookup; a miss costs one query, shared by every request that
missed on the same key at the same time (single flight). Unknown keys are remembered briefly
too, so a client hammering with a bad key cannot hammer the database. Revocation invalidates the
local entry at once and, when Redis is configured, every other process's through pub/sub;
without Redis, other processes see it within the TTL.

While the database cannot be asked (see guard.py), a key the database confirmed within
``stale_max_s`` keeps its last answer (expiry dates still checked here); any other key gets a
503 with Retry-After at once, never a 500 and never a long wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from gateway.config.redis import RedisEndpoint
from gateway.db.models import ApiKey, Team
from gateway.errors import AuthenticationFailed, ServiceUnavailable
from gateway.logs import LOG
from gateway.schemas.limits import Limits
from gateway.services import invalidations
from gateway.services.context import Principal
from gateway.services.keys.guard import LookupGuard, StoreUnreachable
from gateway.services.keys.repository import KeyRepository

REVOCATIONS = "strata:keys:invalidate"
MAX_UNKNOWN_KEYS = 10_000


@dataclass(slots=True)
class _Entry:
    principal: Principal | None
    refusal: str | None
    expires_at: datetime | None
    cached_until: float
    confirmed_at: float  # when the database last said so (monotonic): bounds serving it stale
    known: bool = True  # the database has the key (an unknown key is never served stale)


@dataclass(slots=True)
class _Secret:
    key: str | None
    cached_until: float
    confirmed_at: float


class UnreadableKey(Exception):
    """A key row whose stored settings cannot be read (written by hand, or by an old bug)."""


def principal_from(row: ApiKey, team: Team | None) -> Principal:
    """The row as a principal; UnreadableKey when a stored setting is not what it must be. Such a
    key is refused (fails closed): read as "no restriction", a garbled allowed_models or limits
    would open the key up."""
    try:
        return Principal(
            key_id=row.id,
            is_admin=_strict(row.is_admin, bool),
            team_id=row.team_id,
            allowed_models=frozenset(_strings(row.allowed_models)) if row.allowed_models is not None else None,
            limits=Limits.model_validate(row.limits or {}),
            team_limits=Limits.model_validate(team.limits or {}) if team is not None else Limits(),
            model_limits={name: Limits.model_validate(v) for name, v in _strict(row.model_limits or {}, dict).items()},
            tags=tuple(_strings(row.tags or [])),
            guardrails=tuple(_strings(row.guardrails or [])),
            team_guardrails=tuple(_strings(team.guardrails or [])) if team is not None else (),
        )
    except (ValidationError, TypeError, ValueError) as exc:
        raise UnreadableKey(str(exc)) from None


def _strict(value: Any, kind: type) -> Any:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"expected a list of strings, found {value!r:.60}")
    return value


class KeyDirectory:
    def __init__(
        self,
        keys: KeyRepository,
        ttl_s: float = 10.0,
        unknown_ttl_s: float = 2.0,
        redis_url: str | None = None,
        stale_max_s: float = 3600.0,
        lookup_timeout_s: float = 2.0,
    ) -> None:
        self._keys = keys
        self._ttl = ttl_s
        self._unknown_ttl = unknown_ttl_s
        self._stale_max = stale_max_s
        self._guard = LookupGuard(lookup_timeout_s)
        self._entries: dict[str, _Entry] = {}
        self._unknown: OrderedDict[str, None] = OrderedDict()  # digests of unknown keys, oldest first
        self._hash_of: dict[str, str] = {}  # key id -> lookup hash, for invalidation
        self._pending: dict[str, asyncio.Future[_Entry]] = {}
        self._secrets: dict[str, _Secret] = {}  # key id -> the key, for SigV4
        self._redis_url = redis_url
        self._redis: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def principal_for(self, key: str) -> Principal:
        """The key's principal, or AuthenticationFailed saying why (unknown, revoked, expired);
        ServiceUnavailable (503) for a key the cache cannot vouch for while the database cannot be asked."""
        digest = self._keys.lookup_hash(key)
        entry = self._entries.get(digest)
        if entry is None or entry.cached_until < time.monotonic():
            entry = await self._refresh(digest)
        if entry.principal is None:
            raise AuthenticationFailed(entry.refusal or "Incorrect API key provided.")
        if entry.expires_at is not None and entry.expires_at <= datetime.now(UTC):
            raise AuthenticationFailed("This API key has expired.", code="expired_api_key")
        return entry.principal

    async def _refresh(self, digest: str) -> _Entry:
        """The database's answer, or (database unreachable) the last one while it may still be served."""
        try:
            return await self._load(digest)
        except StoreUnreachable:
            entry = self._entries.get(digest)  # read again: a revocation may have dropped it meanwhile
            if entry is not None and entry.known and self._fresh_enough(entry.confirmed_at):
                return entry
            raise self._unavailable() from None

    def _fresh_enough(self, confirmed_at: float) -> bool:
        return time.monotonic() - confirmed_at <= self._stale_max

    def _unavailable(self) -> ServiceUnavailable:
        return ServiceUnavailable(
            "This API key cannot be checked right now: the key store is unreachable. Try again shortly.",
            retry_after=self._guard.retry_after_s,
        )

    async def _load(self, digest: str) -> _Entry:
        pending = self._pending.get(digest)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self._pending[digest] = future
        try:
            entry = await self._guard.ask(lambda: self._fetch(digest))
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it
            raise
        finally:
            del self._pending[digest]

    async def _fetch(self, digest: str) -> _Entry:
        """Ask the database and cache its answer (also what a background probe does)."""
        found = await self._keys.by_hash(digest)
        now = time.monotonic()
        if found is None:
            entry = _Entry(None, "Incorrect API key provided.", None, now + self._unknown_ttl, now, known=False)
        else:
            row, team = found
            refusal = "This API key has been revoked." if row.revoked else None
            expires = (
                row.expires_at.replace(tzinfo=UTC)
                if row.expires_at and row.expires_at.tzinfo is None
                else row.expires_at
            )
            principal = None
            if refusal is None:
                try:
                    principal = principal_from(row, team)
                except UnreadableKey as problem:
                    LOG.error(
                        "a key's stored settings are unreadable; refusing it",
                        extra={"fields": {"key_id": row.id, "problem": str(problem)}},
                    )
                    refusal = "This API key's settings cannot be read; an administrator must update or recreate it."
            entry = _Entry(principal, refusal, expires, now + self._ttl, now)
            self._hash_of[row.id] = digest
        self._entries[digest] = entry
        if not entry.known:
            self._remember_unknown(digest)
        return entry

    def _remember_unknown(self, digest: str) -> None:
        """Unknown keys are remembered briefly (so a bad key cannot hammer the database), but at most
        MAX_UNKNOWN_KEYS of them: a client sending random keys must not grow the cache without end."""
        self._unknown[digest] = None
        self._unknown.move_to_end(digest)
        while len(self._unknown) > MAX_UNKNOWN_KEYS:
            oldest, _ = self._unknown.popitem(last=False)
            entry = self._entries.get(oldest)
            if entry is not None and not entry.known:
                del self._entries[oldest]

    async def secret_for(self, key_id: str) -> str | None:
        """The key itself, for verifying a SigV4 signature made with it (None if unknown); while the
        database cannot be asked, the last one it gave within the stale limit, else a 503."""
        cached = self._secrets.get(key_id)
        if cached is not None and cached.cached_until >= time.monotonic():
            return cached.key
        try:
            return await self._guard.ask(lambda: self._fetch_secret(key_id))
        except StoreUnreachable:
            cached = self._secrets.get(key_id)
            if cached is not None and cached.key is not None and self._fresh_enough(cached.confirmed_at):
                return cached.key
            raise self._unavailable() from None

    async def _fetch_secret(self, key_id: str) -> str | None:
        row = await self._keys.get(key_id)
        secret = self._keys.secret_of(row) if row is not None else None
        now = time.monotonic()
        self._secrets[key_id] = _Secret(secret, now + (self._ttl if secret else self._unknown_ttl), now)
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
            await invalidations.broadcast(self._redis, REVOCATIONS, key_id, "key change")

    async def start(self) -> None:
        if self._redis_url is None:
            return
        self._redis = RedisEndpoint.parse(self._redis_url).redis_py(socket_connect_timeout=1.0)
        self._listener = asyncio.create_task(self._listen(), name="strata-key-invalidations")

    async def _listen(self) -> None:
        await invalidations.listen(self._redis, REVOCATIONS, self.forget, self._expire_all, "key invalidation")

    def _expire_all(self) -> None:
        """Every entry is asked again on its next use; kept meanwhile, to serve if the database is down too."""
        for entry in self._entries.values():
            entry.cached_until = 0.0
        for secret in self._secrets.values():
            secret.cached_until = 0.0

    async def aclose(self) -> None:
        await self._guard.aclose()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._redis is not None:
            await self._redis.aclose()
