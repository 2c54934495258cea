"""Resources live here: built by create_app, opened and closed by the lifespan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI

from gateway.config import Catalog
from gateway.logs import LOG, AccessLog, configure_logging
from gateway.services.auth import Authenticator
from gateway.services.catalog import ModelCatalog
from gateway.services.invoke import InvokeService
from gateway.services.routing import Router
from gateway.settings import Settings
from providers.http import HttpClients
from providers.tokens import encoding_for


@dataclass
class AppState:
    """Everything a route may use, typed; routes reach it through deps.py."""

    settings: Settings
    catalog: ModelCatalog
    invoker: InvokeService
    clients: HttpClients
    access_log: AccessLog
    started: bool = False
    problems: dict[str, str] = field(default_factory=dict)


def build_state(settings: Settings, catalog: Catalog, master_key: str) -> AppState:
    clients = HttpClients()
    models = ModelCatalog(catalog, clients, created=int(time.time()))
    invoker = InvokeService(models, Authenticator(master_key), Router())
    return AppState(
        settings=settings,
        catalog=models,
        invoker=invoker,
        clients=clients,
        access_log=AccessLog(enabled=settings.log_level in ("debug", "info"), fmt=settings.log_format),
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    state: AppState = app.state.strata
    configure_logging(state.settings.log_level, state.settings.log_format)
    state.access_log.start()
    try:
        await _start_providers(state)
        # Token counting is needed only when an upstream reports no usage; load it now, not then.
        await asyncio.to_thread(encoding_for, "gpt-4")
        state.started = True
        LOG.info("ready", extra={"fields": {"models": [m.name for m in state.catalog]}})
        yield
    finally:
        state.started = False
        for deployment_id, provider in state.catalog.providers():
            try:
                await provider.aclose()
            except Exception:  # boundary: one provider failing to close must not stop the rest
                LOG.exception("provider close failed", extra={"fields": {"deployment": deployment_id}})
        await state.clients.aclose()
        LOG.info("stopped")
        state.access_log.stop()


async def _start_providers(state: AppState) -> None:
    for deployment_id, provider in state.catalog.providers():
        try:
            await provider.start()
        except Exception as exc:  # boundary: a broken deployment is reported, the rest still serve
            state.problems[deployment_id] = f"failed to start: {exc}"
            LOG.exception("provider start failed", extra={"fields": {"deployment": deployment_id}})
