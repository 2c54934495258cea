"""Guardrail embeddings computed once: checks of one request share them, a conversation's history
is not embedded again each turn, and a failure or cancellation never leaves a caller hanging."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from gateway.guardrails.vector_cache import VectorCache


def synchronously(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    @functools.wraps(test)
    def run() -> None:
        asyncio.run(test())

    return run


class Model:
    """Counts what it is asked to embed; ``gate`` holds every call until set."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None

    async def __call__(self, texts: list[str]) -> list[list[float]]:
        self.asked.append(list(texts))
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return [[float(len(t)), 1.0] for t in texts]


@synchronously
async def test_checks_of_one_request_asking_at_once_share_one_embedding() -> None:
    model, cache = Model(), VectorCache(0)
    model.gate.clear()
    first = asyncio.create_task(cache.embed(["a b", "c d e"], model))
    second = asyncio.create_task(cache.embed(["c d e", "f"], model))
    await asyncio.sleep(0)
    model.gate.set()
    assert await first == [[3.0, 1.0], [5.0, 1.0]]
    assert await second == [[5.0, 1.0], [1.0, 1.0]]
    assert model.asked == [["a b", "c d e"], ["f"]]


@synchronously
async def test_a_conversation_turn_embeds_only_its_new_text() -> None:
    model, cache = Model(), VectorCache(100)
    await cache.embed(["system prompt", "first question"], model)
    again = await cache.embed(["system prompt", "first question", "second question", "second question"], model)
    assert again == [[13.0, 1.0], [14.0, 1.0], [15.0, 1.0], [15.0, 1.0]]
    assert model.asked[-1] == ["second question"]


@synchronously
async def test_the_least_recently_used_text_leaves_first() -> None:
    model, cache = Model(), VectorCache(2)
    await cache.embed(["one", "two"], model)
    await cache.embed(["one"], model)  # "two" is now the oldest use
    await cache.embed(["three"], model)
    await cache.embed(["one", "two"], model)
    assert model.asked[-1] == ["two"]


@synchronously
async def test_a_failure_reaches_every_caller_waiting_on_it_and_is_not_kept() -> None:
    model, cache = Model(), VectorCache(100)
    model.gate.clear()
    model.fail = RuntimeError("the model worker died")
    first = asyncio.create_task(cache.embed(["x y"], model))
    second = asyncio.create_task(cache.embed(["x y"], model))
    await asyncio.sleep(0)
    model.gate.set()
    for task in (first, second):
        with pytest.raises(RuntimeError, match="worker died"):
            await task
    model.fail = None
    assert await cache.embed(["x y"], model) == [[3.0, 1.0]]


@synchronously
async def test_a_caller_waiting_on_a_cancelled_one_computes_for_itself() -> None:
    model, cache = Model(), VectorCache(100)
    model.gate.clear()
    owner = asyncio.create_task(cache.embed(["shared text"], model))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(cache.embed(["shared text"], model))
    await asyncio.sleep(0)
    owner.cancel()
    await asyncio.sleep(0)
    model.gate.set()
    assert await asyncio.wait_for(waiter, 5) == [[11.0, 1.0]]
    assert owner.cancelled()
