"""Compiled guardrails, by (id, version), cached in each process: what the pipeline asks for.

A cached guardrail costs a dict lookup: no database query, no compiling. A miss loads the version
from the store and compiles it once (concurrent misses share that work). Changes reach every
process: the one that made it drops its entry at once and, with Redis, publishes the id so that
the others drop theirs within milliseconds; without Redis (or while it is unreachable) a DRAFT is
checked again after ``draft_ttl_s`` and a numbered version, immutable, after ``version_ttl_s``
(only to notice a deletion). Those checks run in the background: the stale entry serves meanwhile.

Guardrails declared in the config are compiled at start (a config one that cannot be compiled
stops the start, naming it); their versions are DRAFT and 1, and they never change. Whatever a new
version must embed once (topic examples, content seeds) is embedded in the background when it is
compiled, not on its first request.

A guardrail whose definition cannot be compiled here (a policy needing a model that is not
configured) is cached as unusable: ``get`` raises GuardrailUnusable saying why, every time,
without compiling again until it changes.
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from gateway.background import Background
from gateway.config.errors import ConfigError
from gateway.config.redis import RedisEndpoint
from gateway.errors import InvalidRequest, ServiceUnavailable
from gateway.guardrails.compiled import CompiledGuardrail, compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition
from gateway.guardrails.errors import GuardrailNotFound
from gateway.guardrails.identifiers import DRAFT, guardrail_id, is_version
from gateway.guardrails.policies.base import Resources
from gateway.guardrails.request import GuardrailRef
from gateway.guardrails.store import GuardrailStore, StoredVersion
from gateway.logs import LOG
from gateway.services import invalidations

CHANGES = "strata:guardrails:changed"
DRAFT_TTL_S = 2.0
VERSION_TTL_S = 60.0
UNKNOWN_TTL_S = 2.0  # an unknown (id, version) is remembered this long: no query per call for it
MAX_UNKNOWN = 10_000  # but only so many: callers naming random ids must not grow memory without end


class GuardrailUnusable(InvalidRequest):
    """The guardrail exists but cannot be applied here; the message says why."""

    code = "guardrail_unusable"

    def __init__(self, guardrail: str, version: str, reason: str) -> None:
        super().__init__(f"The guardrail {guardrail!r} version {version} cannot be applied: {reason}")
        self.reason = reason


@dataclass(slots=True)
class _Entry:
    revision: str
    compiled: CompiledGuardrail | None
    problem: str | None  # why it cannot be compiled
    checked_until: float

    def result(self, guardrail: str, version: str) -> CompiledGuardrail:
        if self.compiled is None:
            raise GuardrailUnusable(guardrail, version, self.problem or "it cannot be compiled")
        return self.compiled


def describe(exc: Exception) -> str:
    """A compile failure in words an operator can act on."""
    if isinstance(exc, ValidationError):
        return f"its stored definition is not valid ({exc.errors()[0]['msg']})"
    return str(exc) or type(exc).__name__


def _compile(guardrail: str, version: str, definition: Any, resources: Resources) -> CompiledGuardrail:
    parsed = (
        definition if isinstance(definition, GuardrailDefinition) else GuardrailDefinition.model_validate(definition)
    )
    return compile_guardrail(guardrail, version, parsed, resources)


class GuardrailRegistry:
    def __init__(
        self,
        store: GuardrailStore,
        resources: Resources,
        configured: Mapping[str, GuardrailDefinition] | None = None,
        redis_url: str | None = None,
        draft_ttl_s: float = DRAFT_TTL_S,
        version_ttl_s: float = VERSION_TTL_S,
        lookup_timeout_s: float = 2.0,
    ) -> None:
        self.store = store
        self.resources = resources
        self.configured: Mapping[str, GuardrailDefinition] = dict(configured or {})
        self.configured_at = datetime.now(UTC)  # the config's guardrails were "created" when it was loaded
        self.draft_ttl_s = draft_ttl_s
        self.version_ttl_s = version_ttl_s
        self._timeout = lookup_timeout_s
        self._fixed: dict[tuple[str, str], CompiledGuardrail] = {}  # the config's, compiled at start
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._unknown: dict[tuple[str, str], float] = {}  # -> remembered until (monotonic)
        self._generation: dict[str, int] = {}  # bumped by every change: a load begun before it is not cached
        self._pending: dict[tuple[str, str], asyncio.Future[_Entry | None]] = {}
        self._background = Background("guardrails")  # preparing, refreshing, the change listener
        self._refreshing: set[tuple[str, str]] = set()
        self._redis_url = redis_url
        self._redis: Any = None

    # ------------------------------------------------------------------ what the pipeline asks

    async def get(self, identifier: str, version: str) -> CompiledGuardrail:
        """The compiled guardrail; GuardrailNotFound for an unknown id or version, GuardrailUnusable
        for one that cannot be compiled here, ServiceUnavailable when the store cannot be asked."""
        gid = guardrail_id(identifier) if identifier.startswith("arn:") else identifier
        key = (gid, version)
        fixed = self._fixed.get(key)
        if fixed is not None:
            return fixed
        entry = self._entries.get(key)
        if entry is not None:
            if entry.checked_until < time.monotonic():
                self._refresh_soon(key)
            return entry.result(gid, version)
        if gid in self.configured or not is_version(version) or self._unknown.get(key, 0.0) > time.monotonic():
            raise GuardrailNotFound(f"{gid}:{version}")
        loaded = await self._load(key)
        if loaded is None:
            raise GuardrailNotFound(f"{gid}:{version}")
        return loaded.result(gid, version)

    async def known(self, identifier: str) -> bool:
        return await self.exists(identifier)

    async def exists(self, identifier: str, version: str | None = None) -> bool:
        """Whether the guardrail (and ``version``, if given) exists, compiled or not."""
        gid = guardrail_id(identifier)
        if gid in self.configured:
            return version in (None, DRAFT, "1")
        if version is not None and not is_version(version):
            return False
        if (gid, version or DRAFT) in self._entries:
            return True
        return await self._ask(self.store.load(gid, version or DRAFT)) is not None

    async def status(self, identifier: str, version: str) -> tuple[str, list[str]]:
        """GetGuardrail's status and statusReasons: READY (listing configured PII types nothing here
        detects), or FAILED saying why it cannot be compiled. GuardrailNotFound when unknown."""
        try:
            compiled = await self.get(identifier, version)
        except GuardrailUnusable as exc:
            return "FAILED", [exc.reason[:200]]
        reasons = [
            f"{kind}: configured, but not detected here (no model for it is configured)"
            for kind in compiled.unsupported
        ]
        filters = compiled.definition.contentPolicyConfig
        images = sorted(
            f.type
            for f in (filters.filtersConfig if filters is not None else ())
            if "IMAGE" in (f.inputModalities or ()) or "IMAGE" in (f.outputModalities or ())
        )
        if images:
            reasons.append(f"IMAGE modality of {', '.join(images)}: images are not evaluated here, only text")
        reasons += _foreign_topics(compiled.definition, getattr(self.resources.embedder, "model_name", None))
        return "READY", reasons

    def is_configured(self, identifier: str) -> bool:
        return guardrail_id(identifier) in self.configured

    # ------------------------------------------------------------------ loading and compiling

    async def _ask(self, query: Any) -> Any:
        """A store query within the lookup timeout; ServiceUnavailable if the store cannot answer."""
        try:
            async with asyncio.timeout(self._timeout):
                return await query
        except Exception as exc:  # boundary: a database that is down or hanging is a 503, not a 500
            LOG.warning("guardrail store unreachable", extra={"fields": {"error": repr(exc)}})
            raise ServiceUnavailable(
                "Guardrails cannot be loaded right now. Try again shortly.", retry_after=1
            ) from None

    async def _load(self, key: tuple[str, str]) -> _Entry | None:
        pending = self._pending.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            generation = self._generation.get(key[0], 0)
            stored = await self._ask(self.store.load(*key))
            entry = self._entry(stored) if stored is not None else None
            if self._generation.get(key[0], 0) == generation:
                self._remember(key, entry)
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it
            raise
        finally:
            del self._pending[key]

    def _remember(self, key: tuple[str, str], entry: _Entry | None) -> None:
        if entry is None:
            self._unknown.pop(key, None)  # re-inserted last: the dict stays oldest first
            self._unknown[key] = time.monotonic() + UNKNOWN_TTL_S
            self._entries.pop(key, None)
            while len(self._unknown) > MAX_UNKNOWN:
                del self._unknown[next(iter(self._unknown))]
        else:
            self._unknown.pop(key, None)
            self._entries[key] = entry

    def _entry(self, stored: StoredVersion) -> _Entry:
        until = time.monotonic() + self._ttl(stored.version)
        try:
            compiled = _compile(stored.guardrail_id, stored.version, stored.definition, self.resources)
        except Exception as exc:  # boundary: one guardrail that cannot compile must not fail the others
            problem = describe(exc)
            LOG.warning(
                "a guardrail cannot be compiled",
                extra={"fields": {"guardrail": stored.guardrail_id, "version": stored.version, "problem": problem}},
            )
            return _Entry(stored.revision, None, problem, until)
        self._prepare_soon(compiled)
        return _Entry(stored.revision, compiled, None, until)

    def _prepare_soon(self, compiled: CompiledGuardrail) -> None:
        """Embed a new version's fixed texts (topic examples, content seeds) in the background, so
        its first request does not wait for them (one that comes sooner waits on the same work)."""
        preparing = [
            p() for c in (*compiled.input_checks, *compiled.output_checks) if (p := getattr(c, "prepare", None))
        ]
        if preparing:
            self._background.spawn(self._prepare(preparing), "guardrail-prepare")

    @staticmethod
    async def _prepare(preparing: list[Any]) -> None:
        for outcome in await asyncio.gather(*preparing, return_exceptions=True):
            if isinstance(outcome, Exception):  # the first request tries again, and fails visibly if it must
                LOG.warning(
                    "a guardrail's embeddings could not be prepared", extra={"fields": {"error": repr(outcome)}}
                )

    def _ttl(self, version: str) -> float:
        return self.draft_ttl_s if version == DRAFT else self.version_ttl_s

    def _refresh_soon(self, key: tuple[str, str]) -> None:
        if key in self._refreshing:
            return
        self._refreshing.add(key)
        self._background.spawn(self._refresh(key), "guardrail-refresh")

    async def _refresh(self, key: tuple[str, str]) -> None:
        """Ask the store whether a cached version changed; recompile only if it did."""
        generation = self._generation.get(key[0], 0)
        try:
            stored = await self._ask(self.store.load(*key))
        except ServiceUnavailable:
            stored = _UNCHANGED  # keep serving what is cached; asked again after the TTL
        finally:
            self._refreshing.discard(key)
        entry = self._entries.get(key)
        if self._generation.get(key[0], 0) != generation or entry is None:
            return  # changed meanwhile: the next get loads it afresh
        if stored is None:
            self._entries.pop(key, None)
        elif stored is _UNCHANGED or stored.revision == entry.revision:
            entry.checked_until = time.monotonic() + self._ttl(key[1])
        else:
            self._entries[key] = self._entry(stored)

    # ------------------------------------------------------------------ changes

    def forget(self, identifier: str) -> None:
        """Drop every cached version of a guardrail (it changed); loads already under way are not kept."""
        gid = guardrail_id(identifier)
        self._generation[gid] = self._generation.get(gid, 0) + 1
        for key in [k for k in self._entries if k[0] == gid]:
            del self._entries[key]
        for key in [k for k in self._unknown if k[0] == gid]:
            del self._unknown[key]

    async def changed(self, identifier: str) -> None:
        """After a change made here: drop it now, and on every other process through Redis."""
        self.forget(identifier)
        if self._redis is not None:
            await invalidations.broadcast(self._redis, CHANGES, guardrail_id(identifier), "guardrail change")

    async def _listen(self) -> None:
        await invalidations.listen(self._redis, CHANGES, self.forget, self._ask_again, "guardrail change")

    def _ask_again(self) -> None:
        """After Redis was lost: whatever was missed meanwhile is asked again on next use."""
        for entry in self._entries.values():
            entry.checked_until = 0.0

    # ------------------------------------------------------------------ start and stop

    async def start(self) -> None:
        """Compile the config's guardrails (ConfigError naming one that cannot be); listen for changes."""
        for name, definition in self.configured.items():
            try:
                compiled = _compile(name, DRAFT, definition, self.resources)
            except Exception as exc:  # boundary: reported as the config's problem, at start
                raise ConfigError(f"guardrails.{name}: cannot be compiled: {describe(exc)}") from None
            self._fixed[(name, DRAFT)] = compiled
            self._fixed[(name, "1")] = replace(compiled, version="1")
            self._prepare_soon(compiled)
        if self._redis_url is not None:
            self._redis = RedisEndpoint.parse(self._redis_url).redis_py(socket_connect_timeout=1.0)
            self._background.spawn(self._listen(), "guardrail-changes")

    async def check_references(self, references: Iterable[tuple[str, str]]) -> None:
        """ConfigError listing every (where, "ID[:VERSION]") that names no guardrail (models' defaults)."""
        problems = []
        for where, text in references:
            try:
                ref = GuardrailRef.parse(text, where)
            except InvalidRequest as exc:
                problems.append(f"{where}: {exc.message}")
                continue
            if not await self.exists(ref.identifier, ref.version):
                problems.append(f"{where}: no guardrail {text!r} (declare it under guardrails:, or create it first)")
        if problems:
            raise ConfigError("\n".join(problems))

    async def aclose(self) -> None:
        await self._background.cancel()
        if self._redis is not None:
            await self._redis.aclose()


_UNCHANGED: Any = object()  # a refresh that could not ask the store keeps what it has


def _foreign_topics(definition: GuardrailDefinition, embedding_model: str | None) -> list[str]:
    """A warning per denied topic written mostly outside the Latin script while the guardrails
    embed with the embedded MiniLM: trained on English, it puts most texts of such a script close
    together, so the topic would catch unrelated text in that script (and miss paraphrases)."""
    if embedding_model is not None or definition.topicPolicyConfig is None:
        return []
    out = []
    for topic in definition.topicPolicyConfig.topicsConfig:
        letters = [c for c in " ".join([topic.definition, *(topic.examples or ())]) if c.isalpha()]
        foreign = sum(1 for c in letters if not _latin(c))
        if letters and foreign / len(letters) > 0.3:
            out.append(
                f"topic {topic.name!r}: written mostly outside the Latin script; the embedded model reads English "
                "and matches such topics poorly (set STRATA_GUARDRAIL_EMBEDDING_MODEL to a multilingual one)"
            )
    return out


def _latin(character: str) -> bool:
    return character.isascii() or unicodedata.name(character, "").startswith("LATIN")
