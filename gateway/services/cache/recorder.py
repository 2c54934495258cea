"""A stream's chunks as its caller got them (after the output guardrails), kept for the cache
when the stream ends normally with every choice finished (stop, length, tool_calls)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from providers.canonical import ChatCompletionChunk, Usage

STORABLE = frozenset({"stop", "length", "tool_calls"})
MAX_CHUNKS = 20_000  # a longer stream is not kept (its entry would crowd the cache out)


class StreamRecorder:
    """Given to the relay (ChatStream ``recorder``): ``sent`` for each chunk, ``completed`` once
    it ended normally; then ``save(body, usage)`` gets the JSON array of the chunks."""

    def __init__(self, save: Callable[[bytes, Usage | None], None]) -> None:
        self._save = save
        self._chunks: list[dict[str, Any]] | None = []
        self._finished: dict[int, str] = {}
        self._choices: set[int] = set()
        self._usage_sent = False

    def sent(self, chunk: ChatCompletionChunk) -> None:
        chunks = self._chunks
        if chunks is None:
            return
        if len(chunks) >= MAX_CHUNKS:
            self._chunks = None
            return
        for choice in chunk.choices:
            self._choices.add(choice.index)
            if choice.finish_reason is not None:
                self._finished[choice.index] = choice.finish_reason
        if chunk.usage is not None:
            self._usage_sent = True
        chunks.append(chunk.model_dump(mode="json", exclude_unset=True))  # now: encoders may change it later

    def completed(self, usage: Usage | None) -> None:
        chunks = self._chunks
        self._chunks = None
        if not chunks or not self._choices or set(self._finished) != self._choices:
            return
        if any(reason not in STORABLE for reason in self._finished.values()):
            return  # cut by a guardrail, filtered: not an answer to give again
        if not self._usage_sent and usage is not None:
            last = chunks[-1]
            chunks.append(
                {"id": last["id"], "object": "chat.completion.chunk", "created": last["created"],
                 "model": last["model"], "choices": [], "usage": usage.model_dump(mode="json", exclude_unset=True)}
            )  # fmt: skip
        self._save(orjson.dumps(chunks), usage)
