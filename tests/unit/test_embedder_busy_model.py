"""An embedding model with a full queue: a semantic-cache lookup misses at once instead of waiting,
while a guardrail (which cannot skip its check) waits its turn, even when it joined the lookup's
text."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from gateway.guardrails.embedder import GuardrailEmbedder
from gateway.services.cache.semantic import SemanticCache
from providers.canonical import Embedding, EmbeddingRequest, EmbeddingResponse
from providers.errors import ProviderBusy


class BusyModel:
    """A local model whose queue stays full for its first ``busy_calls`` calls."""

    def __init__(self, busy_calls: int) -> None:
        self.busy_calls = busy_calls
        self.calls = 0
        self.answer = asyncio.Event()  # set: calls answer (busy or not) at once
        self.answer.set()

    async def embed(self, request: EmbeddingRequest, options: Any) -> EmbeddingResponse:
        self.calls += 1
        await self.answer.wait()
        if self.calls <= self.busy_calls:
            raise ProviderBusy("at capacity", retry_after=1.0, code="model_overloaded")
        return EmbeddingResponse(
            data=[Embedding(index=i, embedding=[3.0, 4.0]) for i in range(len(request.texts()))], model="m"
        )


def _embedder(model: BusyModel) -> GuardrailEmbedder:
    embedder = GuardrailEmbedder(None, cache_size=0)  # type: ignore[arg-type]  # no catalog: the model is given
    embedder._providers, embedder._in_flight = [model], [0]  # type: ignore[list-item]
    return embedder


def test_a_lookup_gives_up_at_once_on_a_busy_model_and_a_guardrail_waits() -> None:
    async def run() -> None:
        model = BusyModel(busy_calls=2)
        embedder = _embedder(model)
        started = time.monotonic()
        with pytest.raises(ProviderBusy):
            await embedder.embed(["is this cached?"], patient=False)
        assert time.monotonic() - started < 0.05 and model.calls == 1
        assert await embedder.embed(["is this on topic?"]) == [[0.6, 0.8]]  # one more busy answer, then served
        assert model.calls == 3

    asyncio.run(run())


def test_a_guardrail_joined_on_a_lookups_text_still_gets_its_vector() -> None:
    async def run() -> None:
        model = BusyModel(busy_calls=1)
        model.answer.clear()
        embedder = _embedder(model)
        lookup = asyncio.ensure_future(embedder.embed(["the same text"], patient=False))
        check = asyncio.ensure_future(embedder.embed(["the same text"]))
        for _ in range(3):
            await asyncio.sleep(0)  # the lookup asked the model; the guardrail joined it
        assert model.calls == 1 and embedder.cache.joined == 1
        model.answer.set()  # the model answers the lookup: busy
        with pytest.raises(ProviderBusy):
            await lookup
        assert await asyncio.wait_for(check, 5) == [[0.6, 0.8]]

    asyncio.run(run())


def test_a_semantic_lookup_on_a_busy_model_is_a_miss_and_not_logged_as_a_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def run() -> None:
        embedder = _embedder(BusyModel(busy_calls=10**6))
        embedder.loaded = True
        cache = SemanticCache({"minilm": embedder}, max_entries=100, redis_url=None)
        started = time.monotonic()
        assert await cache.vector("minilm", "how do I reset my password") is None
        assert time.monotonic() - started < 0.05
        assert "embedding failed" not in caplog.text

    asyncio.run(run())
