"""Answers stored while the embedding model loads are indexed a few at a time: a burst of misses at
start never queues thousands of texts in front of later lookups."""

from __future__ import annotations

import asyncio

from gateway.services.cache.semantic import STORE_EMBEDDINGS, SemanticCache


class SlowEmbedder:
    """An embedding model that answers when told to, counting the texts it holds at once."""

    def __init__(self) -> None:
        self.loaded = False
        self.release = asyncio.Event()
        self.holding = 0
        self.most_held = 0

    def load_in_background(self) -> None:
        pass

    async def embed(self, texts: list[str], patient: bool = True) -> list[list[float]]:
        self.holding += 1
        self.most_held = max(self.most_held, self.holding)
        try:
            await self.release.wait()
        finally:
            self.holding -= 1
        return [[1.0, 0.0, 0.0] for _ in texts]


def test_a_burst_of_stored_answers_embeds_a_bounded_few_and_skips_the_rest() -> None:
    async def burst() -> None:
        embedder = SlowEmbedder()
        cache = SemanticCache({"minilm": embedder}, max_entries=1000, redis_url=None)
        stores = [asyncio.ensure_future(cache.vector("minilm", f"question {n}", wait=True)) for n in range(500)]
        await asyncio.sleep(0.05)
        skipped = [task for task in stores if task.done()]
        assert embedder.most_held == STORE_EMBEDDINGS
        assert len(skipped) == 500 - STORE_EMBEDDINGS and all(task.result() is None for task in skipped)
        embedder.release.set()
        vectors = await asyncio.wait_for(asyncio.gather(*stores), 5)
        assert sum(vector is not None for vector in vectors) == STORE_EMBEDDINGS
        # once those are done, the next stored answer is embedded again
        assert await cache.vector("minilm", "one more question", wait=True) == [1.0, 0.0, 0.0]

    asyncio.run(burst())


def test_a_lookup_while_the_model_loads_is_a_miss_at_once() -> None:
    async def look() -> None:
        embedder = SlowEmbedder()
        cache = SemanticCache({"minilm": embedder}, max_entries=1000, redis_url=None)
        assert await asyncio.wait_for(cache.vector("minilm", "a question"), 1) is None
        assert embedder.most_held == 0

    asyncio.run(look())
