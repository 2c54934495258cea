"""The semantic cache's glue: prompt vectors (the guardrails' embedder), the per-process index,
and its sharing through Redis (semantic_share.py) when STRATA_REDIS_URL is set.

One index per embedding model (vectors of two models do not compare), made at first use. An
embedder that fails (a model that cannot load) makes the lookup a miss, logged once: the exact
cache still serves.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from gateway.background import Background
from gateway.config.cache import DEFAULT_EMBEDDING_MODEL as MINILM
from gateway.logs import LOG
from gateway.services.cache.semantic_guard import Facts, facts
from gateway.services.cache.semantic_index import SemanticIndex
from gateway.services.cache.semantic_spelling import minilm_speller
from gateway.services.cache.semantic_text import embedding_text
from providers.errors import ProviderBusy

MINILM_DIM = 384
# Answers stored without the lookup's vector (the model was loading) are embedded off the request
# path, at most this many at a time; more are kept in the exact cache only. Unbounded, a burst of
# 3,000 misses at start queued 3,000 texts in front of every later lookup: the gateway spent ~18 s
# at 80-94% of a core retrying them, then a lone lookup waited 14.8 s behind them.
STORE_EMBEDDINGS = 16


class Embedder(Protocol):
    async def embed(self, texts: list[str], patient: bool = True) -> list[list[float]]: ...

    @property
    def loaded(self) -> bool: ...

    def load_in_background(self) -> None: ...


class SemanticCache:
    def __init__(
        self, embedders: dict[str, Embedder], max_entries: int, redis_url: str | None, share: Any = None
    ) -> None:
        self._embedders = embedders  # embedding_model name -> its embedder
        self._max_entries = max_entries
        self._redis_url = redis_url
        self._share_class = share  # SemanticShare (semantic_share.py), or None: per process only
        self.indexes: dict[str, SemanticIndex] = {}
        self._shares: dict[str, Any] = {}
        self._background = Background("semantic cache")  # sharing: publishes and the followers
        self._failed: set[str] = set()
        self._store_embeddings: dict[str, int] = dict.fromkeys(embedders, 0)  # per model, being embedded to be indexed

    async def vector(self, model: str, text: str, wait: bool = False) -> list[float] | None:
        """The prompt's embedding, of its courtesy-free, spell-corrected form (semantic_text.py).
        None while the model is still loading or its queue is full, unless ``wait``: a lookup never
        waits for a model (it is a miss meanwhile); storing an answer, off the request path, does, up to
        ``STORE_EMBEDDINGS`` at a time per model (None beyond: that answer is not indexed)."""
        embedder = self._embedders[model]
        if not wait and not embedder.loaded:
            embedder.load_in_background()
            return None
        if wait:
            if self._store_embeddings[model] >= STORE_EMBEDDINGS:
                return None
            self._store_embeddings[model] += 1
        try:
            vectors = await embedder.embed([embedding_text(text, spelling=model == MINILM)], patient=wait)
        except ProviderBusy:  # its queue is full: a lookup misses rather than waits (not a failure)
            return None
        except Exception as exc:  # boundary: no vector, no semantic hit; the exact cache still serves
            if model not in self._failed:
                self._failed.add(model)
                LOG.warning("semantic cache: embedding failed", extra={"fields": {"model": model, "error": repr(exc)}})
            return None
        finally:
            if wait:
                self._store_embeddings[model] -= 1
        return vectors[0] if vectors else None

    async def read(self, model: str, text: str) -> tuple[list[float] | None, Facts | None]:
        """The prompt's vector (``vector``) and its facts for the near-miss guard, read while the
        embedding model computes the vector (~0.13 ms a prompt, otherwise spent after it: by the
        guard when a neighbour is above the threshold, and by the index when the answer is kept).
        No facts when the vector came at once (not loaded, or a text already embedded)."""
        embedding = asyncio.ensure_future(self.vector(model, text))
        try:
            await asyncio.sleep(0)  # the embedding is asked for before the guard reads
            text_facts = None if embedding.done() else facts(text)
            return await embedding, text_facts
        except BaseException:
            embedding.cancel()
            raise

    def nearest(
        self,
        model: str,
        partition: str,
        vector: list[float],
        threshold: float,
        now: float,
        text: str,
        text_facts: Facts | None = None,
    ) -> tuple[str, float] | None:
        index = self.indexes.get(model)
        if index is None:
            return None
        return index.nearest(partition, vector, threshold, now, text=text, text_facts=text_facts)

    def discard(self, model: str, key: str) -> None:
        index = self.indexes.get(model)
        if index is not None:
            index.discard(key)

    def add(
        self,
        model: str,
        partition: str,
        vector: list[float],
        key: str,
        expires_at: float,
        text: str,
        text_facts: Facts | None = None,
    ) -> None:
        self._index(model, len(vector)).add(partition, vector, key, expires_at, text, text_facts=text_facts)
        share = self._shares.get(model)
        if share is not None:
            self._background.spawn(share.publish(partition, vector, key, expires_at, text), "semantic-publish")

    async def clear(self, prefixes: list[str | None]) -> int:
        """Drop the partitions under each prefix (None: all), here and, through Redis, everywhere."""
        dropped = 0
        for model, index in self.indexes.items():
            for prefix in prefixes:
                dropped += index.clear(prefix)
                share = self._shares.get(model)
                if share is not None:
                    await share.clear(prefix)
        return dropped

    def _index(self, model: str, dim: int) -> SemanticIndex:
        index = self.indexes.get(model)
        if index is None:
            index = self.indexes[model] = SemanticIndex(self._max_entries, dim)
            if self._redis_url is not None and self._share_class is not None:
                share = self._shares[model] = self._share_class(index, self._redis_url, f"strata:cache:sem:{model}")
                self._background.spawn(share.start(), "semantic-share")
        return index

    def start(self) -> None:
        """The embedded MiniLM's index (384 dimensions) made, and its sharing started, before the
        first request; other models' indexes are made at their first vector. Every embedder starts
        loading now: lookups are misses until it answers."""
        for embedder in self._embedders.values():
            embedder.load_in_background()
        if MINILM in self._embedders:
            self._index(MINILM, MINILM_DIM)
            minilm_speller()  # its vocabulary read now, not on the first request

    async def aclose(self) -> None:
        await self._background.cancel()
        for share in self._shares.values():
            await share.aclose()
