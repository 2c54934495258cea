"""Embeddings computed once: a text being embedded is awaited, not embedded again, and recent
texts' vectors are kept.

Why: one request's topic and content checks embed the same pieces at the same moment, and a
conversation re-sends its whole history (and its system prompt) on every turn. Vectors are kept
as float32 arrays (1.5 KB for 384 dimensions), least recently used first out.
"""

from __future__ import annotations

import asyncio
from array import array
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from providers.errors import ProviderBusy

Compute = Callable[[list[str]], Awaitable[list[list[float]]]]


class VectorCache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity  # texts kept between calls; 0: only in-flight ones are shared
        self._kept: OrderedDict[str, array[float]] = OrderedDict()
        self._pending: dict[str, asyncio.Future[list[float]]] = {}
        self.hits = self.joined = self.computed = 0

    async def embed(self, texts: Sequence[str], compute: Compute) -> list[list[float]]:
        """The vectors of ``texts``, in order: kept ones at once, in-flight ones awaited, the rest
        computed in one call to ``compute``."""
        found: dict[str, list[float]] = {}
        joined: dict[str, asyncio.Future[list[float]]] = {}
        mine: list[str] = []
        for text in dict.fromkeys(texts):
            kept = self._kept.get(text)
            if kept is not None:
                self._kept.move_to_end(text)
                found[text] = kept.tolist()
                self.hits += 1
            elif text in self._pending:
                joined[text] = self._pending[text]
                self.joined += 1
            else:
                mine.append(text)
        if mine:
            found.update(await self._compute(mine, compute))
        retry = []
        for text, future in joined.items():
            try:
                found[text] = await asyncio.shield(future)
            except asyncio.CancelledError:
                if not future.cancelled():
                    raise  # this caller was cancelled
                retry.append(text)  # the one computing it was: compute it here
            except ProviderBusy:
                retry.append(text)  # the one computing it would not wait for a busy model: this caller may
        if retry:
            found.update(await self._compute(retry, compute))
        return [found[text] for text in texts]

    async def _compute(self, texts: list[str], compute: Compute) -> dict[str, list[float]]:
        loop = asyncio.get_running_loop()
        futures = {text: loop.create_future() for text in texts}
        self._pending.update(futures)
        try:
            vectors = await compute(texts)
        except BaseException as exc:
            for future in futures.values():
                if isinstance(exc, asyncio.CancelledError | GeneratorExit):
                    future.cancel()
                else:
                    future.set_exception(exc)
                    future.exception()  # retrieved: no "never retrieved" warning when nobody joined
            raise
        finally:
            for text in texts:
                self._pending.pop(text, None)
        self.computed += len(texts)
        out = dict(zip(texts, vectors, strict=True))
        for text, vector in out.items():
            futures[text].set_result(vector)
            self._keep(text, vector)
        return out

    def _keep(self, text: str, vector: list[float]) -> None:
        if self.capacity <= 0:
            return
        self._kept[text] = array("f", vector)
        self._kept.move_to_end(text)
        while len(self._kept) > self.capacity:
            self._kept.popitem(last=False)
