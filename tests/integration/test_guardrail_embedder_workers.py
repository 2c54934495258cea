"""The guardrails' embedding work is spread over several workers when the operator asks for them
(STRATA_GUARDRAIL_EMBEDDING_WORKERS), so that semantic policies use more than one core; and over
every deployment of a named catalog embeddings model. Each call goes to the least busy one."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from gateway.config.catalog import parse_catalog
from gateway.guardrails.embedder import GuardrailEmbedder
from gateway.services.catalog import ModelCatalog
from providers.base import ProviderResources
from providers.http import HttpClients
from providers.local.stats import LocalStats
from tests.fakes.upstream import FakeUpstream

ECHO = "models:\n  echo:\n    deployments: [{provider: echo}]\n"
BATCHES = [[f"request {i}, sentence {j}: the quarterly plan moves to week {j}." for j in range(24)] for i in range(4)]


def _catalog(text: str) -> ModelCatalog:
    return ModelCatalog(parse_catalog(text, "strata.yaml"), ProviderResources(http=HttpClients()), 0)


async def _embed_concurrently(embedder: GuardrailEmbedder, used: list[LocalStats] | None = None) -> list[Any]:
    try:
        vectors = list(await asyncio.gather(*(embedder.embed(batch) for batch in BATCHES)))
        if used is not None:
            used.extend(provider.stats for provider in embedder.providers)  # type: ignore[attr-defined]
        return vectors
    finally:
        await embedder.aclose()


def test_two_embedding_workers_share_concurrent_guardrail_texts_and_agree_with_one() -> None:
    two = GuardrailEmbedder(_catalog(ECHO), None, cache_size=0, workers=2)
    used: list[LocalStats] = []
    spread = asyncio.run(_embed_concurrently(two, used))
    assert len(used) == 2 and all(stats.steps > 0 for stats in used), "each worker embedded some"
    assert two.providers == [], "closed: the workers are gone"
    alone = asyncio.run(_embed_concurrently(GuardrailEmbedder(_catalog(ECHO), None, cache_size=0, workers=1)))
    # The same vectors up to rounding: texts batched with other company take other kernels (AVX-512 or
    # AMX pick by batch shape), which moved single components by 2e-4 on one CI machine.
    for mine, theirs in zip(spread, alone, strict=True):
        a, b = np.asarray(mine, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
        cosine = (a * b).sum(axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
        assert cosine.min() > 0.9999 and np.abs(a - b).max() < 2e-3


def test_a_named_model_s_deployments_all_embed(upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDINGS_KEY", "k")
    deployment = "{provider: openai, model: %s, api_base: '%s', api_key: '${EMBEDDINGS_KEY}', embeddings: true}"
    catalog = _catalog(
        "models:\n  emb:\n    deployments: ["
        + ", ".join(deployment % (name, upstream.url) for name in ("emb-a", "emb-b"))
        + "]\n"
    )
    embedder = GuardrailEmbedder(catalog, "emb", cache_size=0)

    async def run() -> None:
        for deployment in catalog.get("emb").deployments:
            await deployment.provider.start()
        try:
            await _embed_concurrently(embedder)
        finally:
            for deployment in catalog.get("emb").deployments:
                await deployment.provider.aclose()
            await catalog.resources.http.aclose()

    asyncio.run(run())
    models = {r["body"]["model"] for r in upstream.requests() if r["path"].endswith("/embeddings")}
    assert models == {"emb-a", "emb-b"}
