"""Output guardrails on a stream, in Bedrock's two modes.

``sync``: text is held back until checked. The guard checks what is held every WINDOW characters and
releases all of it but the last MARGIN characters (a match that could still be growing, such as a
card number split over three chunks, is never released half-masked); a match crossing the release
point holds the release before it. When a check blocks, the held text is dropped and the stream ends
with the guardrail's blocked message: nothing unsafe leaves. ANONYMIZE masks across chunk boundaries.

``async``: text is released at once and checked in the background, one check at a time on what
came since the last one (ASYNC_WINDOW characters, or less once the oldest of it has waited
ASYNC_WAIT seconds: a slow model's words are checked as they come, not 128 characters later; the
rest at the end; plus an overlap, so a match across two checks is seen whole); the first check that
blocks cuts the stream at the next chunk with the blocked message (on a line of its own, after a
blank line when text was sent before it) and a well-formed end (``content_filter``). Masking
cannot apply to text already sent (Bedrock's async mode does not mask), so the stage runs a
guardrail that masks answers, or one the caller did not choose, in sync mode whatever the request
asks (stage.py, ``stream_mode``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.guardrails.assessment import Outcome
from gateway.guardrails.stream_masks import Stage, masked_through, regions, safe_cut
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta

WINDOW = 256  # characters gathered before a check
MARGIN = 96  # characters held back after a check: longer than any pattern match that could still grow
ASYNC_WINDOW = 128  # async: characters gathered before a check (each check is an assessment in the trace)
ASYNC_WAIT = 0.25  # async: seconds the oldest unchecked text waits for company before it is checked


@dataclass
class Verdict:
    """The output guardrails on the held text: the blocked message, or each guardrail's regions on
    it, in the order they ran (each in the text the one before it masked: stream_masks.py)."""

    blocked: str | None = None
    stages: list[Stage] = field(default_factory=list)


def verdict(outcomes: Sequence[Outcome], unit: int) -> Verdict:
    """The verdict of guardrails that ran in turn on a text whose answer is text unit ``unit``."""
    for outcome in outcomes:
        if outcome.blocked:
            return Verdict(outcome.outputs[0])
    return Verdict(None, [regions(outcome.detections, unit) for outcome in outcomes])


Check = Callable[[str], Coroutine[Any, Any, Verdict]]  # the guardrails on some text


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
        said = await self.check(self.held)
        self.unchecked = 0
        if said.blocked is not None:
            self.held = ""
            return "", said.blocked
        end = len(self.held) if final else _word_end(self.held, max(0, len(self.held) - MARGIN))
        end = safe_cut(said.stages, end)  # never cut a match in two: hold from its start
        released = masked_through(said.stages, self.held[:end])
        self.held = self.held[end:]
        return released, None


@dataclass
class _Async:
    check: Check
    pending: str = ""  # released, not yet in a check
    overlap: str = ""  # the end of the last check's text, checked again with what follows
    task: asyncio.Task[Verdict] | None = None
    blocked: str | None = None
    since: float = 0.0  # when the oldest pending text came

    async def feed(self, text: str) -> tuple[str, str | None]:
        if self._verdict() is not None:
            return "", self.blocked
        now = time.monotonic()
        if not self.pending:
            self.since = now
        self.pending += text
        if self.task is None and self._due(now):
            self._launch()
        return text, None

    def _due(self, now: float) -> bool:
        return len(self.pending) >= ASYNC_WINDOW or (bool(self.pending) and now - self.since >= ASYNC_WAIT)

    async def finish(self) -> tuple[str, str | None]:
        """Waits for the checks still to run (what came last included): the stream's end waits
        for them, so a violation anywhere in it still ends it with ``content_filter``."""
        while self.blocked is None:
            if self.task is None:
                if not self.pending:
                    break
                self._launch()  # what came last, however short
            assert self.task is not None
            await asyncio.wait([self.task])
            self._verdict()  # this check's verdict (and the next, on what came meanwhile)
        return "", self.blocked

    def _launch(self) -> None:
        text, self.pending = self.overlap + self.pending, ""
        self.overlap = text[-MARGIN:]
        self.task = asyncio.create_task(self.check(text))

    def _verdict(self) -> str | None:
        """The blocked message once a check has blocked; a finished check that did not block makes
        way for the next one, on what came meanwhile."""
        if self.blocked is None and self.task is not None and self.task.done():
            said, self.task = self.task.result(), None
            if said.blocked is not None:
                self.blocked = said.blocked
            elif self._due(time.monotonic()):
                self._launch()
        return self.blocked

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None


class StreamGuard:
    """Guards every choice's text of a stream; tool-call deltas pass as they come. A block ends
    every choice (``choices``: how many the request asked for), as a blocked answer does."""

    def __init__(self, check: Check, mode: str, choices: int = 1) -> None:
        self._check = check
        self._mode = mode
        self._choices: dict[int, _Sync | _Async] = {}
        self._asked = choices
        self._finished: set[int] = set()  # choices whose finish_reason was sent
        self._ends: dict[int, str] = {}  # each choice's last two characters sent
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
                return out + self._blocked(chunk, blocked)
            if text or released:
                choice.delta.content = released
                self._sent(choice.index, released)
            if choice.finish_reason is not None:
                self._finished.add(choice.index)
        return out + [chunk]

    async def close(self, last: ChatCompletionChunk) -> list[ChatCompletionChunk]:
        """At the end of a stream that sent no finish_reason: what is still held."""
        out: list[ChatCompletionChunk] = []
        for index, guard in self._choices.items():
            released, blocked = await guard.finish()
            if blocked is not None:
                return out + self._blocked(last, blocked)
            if released:
                out.append(_text_chunk(last, index, released, None))
                self._sent(index, released)
        return out

    def _sent(self, index: int, text: str) -> None:
        if text:
            self._ends[index] = (self._ends.get(index, "") + text)[-2:]

    def _own_line(self, index: int, message: str) -> str:
        """The blocked message on a line of its own after whatever text this choice sent."""
        sent = self._ends.get(index, "")
        if not sent or sent.endswith("\n\n"):
            return message
        return ("\n" if sent.endswith("\n") else "\n\n") + message

    def cancel(self) -> None:
        """The stream ended early (the caller left, a failure): stop every background check."""
        for guard in self._choices.values():
            if isinstance(guard, _Async):
                guard.cancel()

    def _blocked(self, like: ChatCompletionChunk, message: str) -> list[ChatCompletionChunk]:
        """The ending of every choice not yet finished: the blocked message, ``content_filter``."""
        self.ended = True
        self.cancel()
        indexes = sorted((set(range(self._asked)) | self._choices.keys()) - self._finished)
        return [_text_chunk(like, index, self._own_line(index, message), "content_filter") for index in indexes]


def _text_chunk(like: ChatCompletionChunk, index: int, text: str, finish: str | None) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=like.id,
        created=like.created,
        model=like.model,
        choices=[ChunkChoice(index=index, delta=Delta(content=text), finish_reason=finish)],
    )


def _word_end(text: str, end: int) -> int:
    """``end`` moved back to just after a space when one is near, so that what is released ends on
    a whole word (a stream cut later never leaves half a word before the blocked message)."""
    space = text.rfind(" ", max(0, end - 32), end)
    return space + 1 if space >= 0 else end
