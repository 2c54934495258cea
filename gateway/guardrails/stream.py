"""Output guardrails on a stream, in Bedrock's two modes.

``sync``: text is held back until checked. The guard checks what is held every WINDOW characters and
releases all of it but the last MARGIN characters (a match that could still be growing, such as a
card number split over three chunks, is never released half-masked); a match crossing the release
point holds the release before it. When a check blocks, the held text is dropped and the stream ends
with the guardrail's blocked message: nothing unsafe leaves. ANONYMIZE masks across chunk boundaries.

``async``: text is released at once and checked in the background; when a check finds a violation,
the stream is cut with a well-formed end (``content_filter``). Masking cannot apply to text already
sent (as at Bedrock): ANONYMIZE matches are reported, not masked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from gateway.guardrails.assessment import Outcome
from gateway.guardrails.engine import masked
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta

WINDOW = 256  # characters gathered before a check
MARGIN = 96  # characters held back after a check: longer than any pattern match that could still grow

Check = Callable[[str], Coroutine[Any, Any, Outcome | None]]  # the guardrails on some text (None: none ran)


@dataclass
class _Sync:
    check: Check
    held: str = ""
    unchecked: int = 0

    async def feed(self, text: str) -> tuple[str, str | None]:
        """(text to release now, the blocked message when the stream must end)."""
        self.held += text
        self.unchecked += len(text)
        if self.unchecked < WINDOW:
            return "", None
        return await self._release(final=False)

    async def finish(self) -> tuple[str, str | None]:
        if not self.held:
            return "", None
        return await self._release(final=True)

    async def _release(self, final: bool) -> tuple[str, str | None]:
        outcome = await self.check(self.held)
        self.unchecked = 0
        if outcome is not None and outcome.blocked:
            self.held = ""
            return "", outcome.outputs[0]
        end = len(self.held) if final else max(0, len(self.held) - MARGIN)
        if outcome is not None:
            for d in outcome.detections:  # never cut a match in two: hold from its start
                if d.span is not None and d.span[1] < end < d.span[2]:
                    end = d.span[1]
        inside = [d for d in outcome.detections if d.span is None or d.span[2] <= end] if outcome else []
        released = masked(self.held[:end], 0, inside)
        self.held = self.held[end:]
        return released, None


@dataclass
class _Async:
    check: Check
    pending: str = ""
    tasks: list[asyncio.Task[Outcome | None]] = field(default_factory=list)
    overlap: str = ""

    async def feed(self, text: str) -> tuple[str, str | None]:
        blocked = self._verdict()
        if blocked is not None:
            return "", blocked
        self.pending += text
        if len(self.pending) >= WINDOW:
            self._launch()
        return text, None

    async def finish(self) -> tuple[str, str | None]:
        if self.pending:
            self._launch()
        outcomes = await asyncio.gather(*self.tasks)
        self.tasks.clear()
        return "", next((o.outputs[0] for o in outcomes if o is not None and o.blocked), None)

    def _launch(self) -> None:
        text, self.pending = self.overlap + self.pending, ""
        self.overlap = text[-MARGIN:]  # a match across two windows is in one of them
        self.tasks.append(asyncio.create_task(self.check(text)))

    def _verdict(self) -> str | None:
        for task in [t for t in self.tasks if t.done()]:
            self.tasks.remove(task)
            outcome = task.result()
            if outcome is not None and outcome.blocked:
                self.cancel()
                return outcome.outputs[0]
        return None

    def cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks.clear()


class StreamGuard:
    """Guards every choice's text of a stream; tool-call deltas pass as they come."""

    def __init__(self, check: Check, mode: str) -> None:
        self._check = check
        self._mode = mode
        self._choices: dict[int, _Sync | _Async] = {}
        self.ended = False  # a check blocked: the caller must stop reading the upstream

    def _for(self, index: int) -> _Sync | _Async:
        guard = self._choices.get(index)
        if guard is None:
            guard = self._choices[index] = _Sync(self._check) if self._mode == "sync" else _Async(self._check)
        return guard

    async def process(self, chunk: ChatCompletionChunk) -> list[ChatCompletionChunk]:
        """The chunks to send for one from upstream (none, it, or it and a blocked ending)."""
        out: list[ChatCompletionChunk] = []
        for choice in chunk.choices:
            guard = self._for(choice.index)
            text = choice.delta.content or ""
            released, blocked = await guard.feed(text) if text else ("", None)
            if blocked is None and choice.finish_reason is not None:
                tail, blocked = await guard.finish()
                released += tail
            if blocked is not None:
                return out + [self._blocked(chunk, choice.index, blocked)]
            if text or released:
                choice.delta.content = released
        return out + [chunk]

    async def close(self, last: ChatCompletionChunk) -> list[ChatCompletionChunk]:
        """At the end of a stream that sent no finish_reason: what is still held."""
        out: list[ChatCompletionChunk] = []
        for index, guard in self._choices.items():
            released, blocked = await guard.finish()
            if blocked is not None:
                return out + [self._blocked(last, index, blocked)]
            if released:
                out.append(_text_chunk(last, index, released, None))
        return out

    def cancel(self) -> None:
        """The stream ended early (the caller left, a failure): stop every background check."""
        for guard in self._choices.values():
            if isinstance(guard, _Async):
                guard.cancel()

    def _blocked(self, like: ChatCompletionChunk, index: int, message: str) -> ChatCompletionChunk:
        self.ended = True
        self.cancel()
        text = message if self._mode == "sync" else ""
        return _text_chunk(like, index, text, "content_filter")


def _text_chunk(like: ChatCompletionChunk, index: int, text: str, finish: str | None) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=like.id,
        created=like.created,
        model=like.model,
        choices=[ChunkChoice(index=index, delta=Delta(content=text), finish_reason=finish)],
    )
