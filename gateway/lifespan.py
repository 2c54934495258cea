"""Resources live here: built by create_app, opened and closed by the lifespan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI

from gateway.config.catalog import Catalog
from gateway.config.errors import ConfigError
from gateway.config.secrets import ensure_secret_key
from gateway.config.settings import Settings
from gateway.db.database import Database
from gateway.drain import Drain
from gateway.guardrails.embedder import GuardrailEmbedder
from gateway.guardrails.policies.base import Resources
from gateway.guardrails.policies.content import content_classifier
from gateway.guardrails.registry import GuardrailRegistry
from gateway.guardrails.stage import GuardrailStage
from gateway.guardrails.store import GuardrailStore
from gateway.guardrails.text_memo import CHECKED
from gateway.heap import freeze_startup_heap, thaw_startup_heap
from gateway.in_flight import InFlight
from gateway.logs import LOG, AccessLog, configure_logging
from gateway.observability.build import build_observer
from gateway.observability.observer import Observer
from gateway.server.signals import DrainOnSignal
from gateway.services.alerts.monitor import AlertMonitor, build_monitor
from gateway.services.auth import Authenticator
from gateway.services.cache.build import build_cache
from gateway.services.cache.stage import CacheStage
from gateway.services.catalog import ModelCatalog
from gateway.services.invoke import InvokeService
from gateway.services.keys.crypto import KeySealer
from gateway.services.keys.directory import KeyDirectory
from gateway.services.keys.repository import KeyRepository, TeamRepository
from gateway.services.pricing import PriceTable
from gateway.services.quotas import QuotaService
from gateway.services.response_store import ResponseStore
from gateway.services.routing import Router
from gateway.services.routing.shared import SharedCircuits
from gateway.services.usage.writer import UsageWriter
from gateway.startup_errors import StartupRefused
from providers.base import ProviderResources
from providers.http import HttpClients
from providers.tokens import encoding_for

DRAIN_S = 5.0  # at shutdown, how long requests being cut may take to finish their records


@dataclass
class AppState:
    """Everything a route may use, typed; routes reach it through deps.py."""

    settings: Settings
    catalog: ModelCatalog
    invoker: InvokeService
    clients: HttpClients
    access_log: AccessLog
    db: Database
    pricing: PriceTable
    keys: KeyRepository
    teams: TeamRepository
    key_directory: KeyDirectory
    quotas: QuotaService
    usage: UsageWriter
    guardrails: GuardrailRegistry
    embedder: GuardrailEmbedder  # the semantic guardrail policies' model (started when first needed)
    responses: ResponseStore  # the Responses API's stored responses (retention swept in the lifespan)
    shared_circuits: SharedCircuits | None = None
    cache: CacheStage | None = None  # the response cache, when a model has one (services/cache)
    alerts: AlertMonitor | None = None  # budget alerts: checked and delivered off the request path
    started: bool = False
    problems: dict[str, str] = field(default_factory=dict)
    in_flight: InFlight = field(default_factory=InFlight)  # counted by the request boundary
    observer: Observer = field(default_factory=Observer)  # metrics, traces, invocation logs
    drain: Drain = field(default_factory=Drain)  # shutting down? (readiness, the request boundary)


def build_state(settings: Settings, catalog: Catalog, master_key: str) -> AppState:
    try:
        clients = HttpClients(
            max_connections=settings.upstream_max_connections, max_response_bytes=settings.max_response_bytes
        )
    except ValueError as exc:  # a proxy variable that cannot be used: refuse to start rather than bypass it
        raise ConfigError(f"environment: {exc}") from None
    resources_lent = ProviderResources(http=clients, model_cache_dir=settings.model_cache_dir)
    models = ModelCatalog(catalog, resources_lent, created=int(time.time()))
    router = Router()
    sealer = KeySealer(ensure_secret_key(settings))
    db = Database.connect(settings.database_url_or_default, sealer)  # checks the secret at start
    keys = KeyRepository(db.sessions, sealer)
    directory = KeyDirectory(
        keys,
        ttl_s=settings.key_cache_ttl_s,
        redis_url=settings.redis_url,
        stale_max_s=settings.key_stale_max_s,
        lookup_timeout_s=settings.key_lookup_timeout_s,
    )
    pricing = PriceTable(models)
    embedder = GuardrailEmbedder(
        models,
        settings.guardrail_embedding_model,
        settings.guardrail_embedding_cache,
        settings.guardrail_embedding_workers,
    )
    CHECKED.resize(settings.guardrail_scan_cache)
    resources = Resources(
        embedder=embedder,
        ner_model_path=settings.guardrail_ner_model_path,
        extras=content_classifier(settings.guardrail_classifier_model_path),
    )
    guardrails = GuardrailRegistry(GuardrailStore(db.sessions), resources, catalog.guardrails, settings.redis_url)
    quotas = QuotaService(
        models,
        pricing,
        settings.redis_url,
        settings.quota_redis_failure,
        prefetch_calls=settings.quota_prefetch_calls,
    )
    cache = build_cache(settings, models, quotas, pricing, embedder, db.sessions)  # None: no model has `cache:`
    invoker = InvokeService(
        models, Authenticator(master_key, directory), router, quotas, GuardrailStage(guardrails), cache
    )
    state = AppState(
        settings=settings,
        catalog=models,
        invoker=invoker,
        clients=clients,
        access_log=AccessLog(enabled=settings.log_level in ("debug", "info"), fmt=settings.log_format),
        db=db,
        pricing=pricing,
        quotas=quotas,
        usage=UsageWriter(
            db,
            pricing,
            max_buffer=settings.usage_buffer_max,
            interval_s=settings.usage_flush_interval_s,
            shutdown_timeout_s=settings.usage_shutdown_timeout_s,
        ),
        keys=keys,
        teams=TeamRepository(db.sessions),
        key_directory=directory,
        guardrails=guardrails,
        embedder=embedder,
        responses=ResponseStore(db.engine, settings.responses_retention_days),
        shared_circuits=SharedCircuits(router, settings.redis_url) if settings.redis_url else None,
        cache=cache,
    )
    state.observer = build_observer(state, catalog)
    state.alerts = build_monitor(settings, db, models)
    return state


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.strata
    configure_logging(state.settings.log_level, state.settings.log_format)
    state.access_log.start()
    signals = DrainOnSignal(state.drain, state.settings.shutdown_delay_s)
    try:
        state.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await state.db.prepare()
        state.responses.start()  # the retention sweep, off the request path
        if state.settings.alerts and state.alerts is not None:
            state.alerts.start()  # budget alerts: a periodic check and its webhooks
        if state.settings.usage_records:
            state.usage.start()  # after the schema check: records written from now on
        state.observer.start()  # metrics and invocation logs: their tasks, off the request path
        await _start_providers(state)
        await state.key_directory.start()
        try:
            await _start_guardrails(state)
        except ConfigError as exc:
            raise StartupRefused(f"invalid configuration\n{exc}") from None
        if state.shared_circuits is not None:
            await state.shared_circuits.start()
        await state.quotas.start()
        if state.cache is not None:
            state.cache.start()
        # Token counting is needed only when an upstream reports no usage; load it now, not then.
        await asyncio.to_thread(encoding_for, "gpt-4")
        freeze_startup_heap()  # full collections stop walking what startup built (gateway/heap.py)
        state.started = True
        signals.install()  # SIGTERM from now on: drain first (gateway/drain.py)
        LOG.info("ready", extra={"fields": {"models": [m.name for m in state.catalog]}})
        yield
    finally:
        signals.uninstall()
        thaw_startup_heap()
        state.drain.stop()  # however the server stopped, a model call arriving now is refused
        state.started = False
        # Requests cut at the end of the grace period are still unwinding: their records come first.
        await state.in_flight.drained(DRAIN_S)
        await state.usage.stop()  # every request is answered by now; write their records
        await state.observer.stop()
        if state.shared_circuits is not None:
            await state.shared_circuits.aclose()
        await state.quotas.aclose()
        for deployment_id, provider in state.catalog.providers():
            try:
                await provider.aclose()
            except Exception:  # boundary: one provider failing to close must not stop the rest
                LOG.exception("provider close failed", extra={"fields": {"deployment": deployment_id}})
        await state.clients.aclose()
        await state.key_directory.aclose()
        await state.guardrails.aclose()
        if state.cache is not None:
            await state.cache.aclose()
        await state.embedder.aclose()
        await state.responses.aclose()
        if state.alerts is not None:
            await state.alerts.aclose()
        await state.db.aclose()
        LOG.info("stopped")
        state.access_log.stop()


async def _start_providers(state: AppState) -> None:
    for deployment_id, provider in state.catalog.providers():
        try:
            await provider.start()
        except Exception as exc:  # boundary: a broken deployment is reported, the rest still serve
            state.problems[deployment_id] = f"failed to start: {exc}"
            LOG.exception("provider start failed", extra={"fields": {"deployment": deployment_id}})


async def _start_guardrails(state: AppState) -> None:
    """The config's guardrails compiled, and every model's default guardrails known (else ConfigError)."""
    await state.guardrails.start()
    defaults = [
        (f"models.{model.name}.guardrails[{i}]", ref)
        for model in state.catalog
        for i, ref in enumerate(model.guardrails)
    ]
    await state.guardrails.check_references(defaults)
