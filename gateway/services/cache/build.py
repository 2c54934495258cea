"""The response cache built from the settings and catalog (None when no model has ``cache:``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.config.cache import DEFAULT_EMBEDDING_MODEL
from gateway.config.settings import Settings
from gateway.guardrails.embedder import GuardrailEmbedder
from gateway.services.cache.clears import CacheClears
from gateway.services.cache.memory import MemoryStore
from gateway.services.cache.redis_store import RedisStore
from gateway.services.cache.semantic import Embedder, SemanticCache
from gateway.services.cache.stage import CacheStage
from gateway.services.cache.store import CacheStore

if TYPE_CHECKING:
    from gateway.services.catalog import ModelCatalog
    from gateway.services.pricing import PriceTable
    from gateway.services.quotas import QuotaService


def build_cache(
    settings: Settings,
    catalog: ModelCatalog,
    quotas: QuotaService,
    pricing: PriceTable,
    guardrail_embedder: GuardrailEmbedder,
    sessions: async_sessionmaker[AsyncSession] | None = None,
) -> CacheStage | None:
    configs = [m.cache for m in catalog if m.cache is not None]
    if not configs:
        return None
    store: CacheStore = RedisStore(settings.redis_url) if settings.redis_url else MemoryStore(settings.cache_max_bytes)
    names = {c.embedding_model for c in configs if c.mode == "semantic"}
    semantic = None
    if names:
        embedders: dict[str, Embedder] = {}
        for name in names:
            if name == DEFAULT_EMBEDDING_MODEL and settings.guardrail_embedding_model is None:
                embedders[name] = guardrail_embedder  # the guardrails' own: one model loaded, one vector cache
            elif name == DEFAULT_EMBEDDING_MODEL:
                embedders[name] = GuardrailEmbedder(catalog, None, settings.guardrail_embedding_cache)
            else:
                embedders[name] = GuardrailEmbedder(catalog, name, settings.guardrail_embedding_cache)
        semantic = SemanticCache(embedders, settings.cache_semantic_entries, settings.redis_url, _share_class())
    # without Redis each process keeps its own answers: clears travel through the database
    clears = CacheClears(sessions) if sessions is not None and not settings.redis_url else None
    return CacheStage(catalog, store, quotas, pricing, semantic, clears)


def _share_class() -> Any:
    from gateway.services.cache.semantic_share import SemanticShare

    return SemanticShare
