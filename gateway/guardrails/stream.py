"""Output guardrails on a stream, in Bedrock's two modes.

``sync``: text is held back until checked. The guard checks what is held every WINDOW characters and
releases all of it but the last MARGIN characters (a match that could still be growing, such as a
card number split over three chunks, is never released half-masked), back to the last whitespace
(a run with no space in it, such as a database URL whose password only matches once "@host" has
come, is released only once read whole); a match crossing the release point holds the release
before it. Each check also reads again what detectors look back at in the text already released
(``Released``: a table's header, which names a column of passwords, and the current line so far);
what it finds there was released already and is not applied again. When a check blocks, the held
text is dropped and the stream ends with the guardrail's blocked message: nothing unsafe leaves.
ANONYMIZE masks across chunk boundaries.

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

from gateway.guardrails import reasoning
from gateway.guardrails.assessment import Outcome
from gateway.guardrails.stream_masks import Stage, after_context, masked_through, regions, safe_cut
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta

WINDOW = 256  # characters gathered before a check
MARGIN = 96  # characters held back after a check: longer than any pattern match that could still grow
ASYNC_WINDOW = 128  # async: characters gathered before a check (each check is an assessment in the trace)
ASYNC_WAIT = 0.25  # async: seconds the oldest unchecked text waits for company before it is checked
LONGEST_RUN = 4096  # characters with no whitespace held back whole; a longer run is cut where it must be
HEAD_LINES = 2  # lines of a block (a table's header, and a rule or first row under it) read again
HEAD_LINE = 512  # characters of each such line read again (a longer line is no table header)
LINE_SO_FAR = 320  # characters of the current line already released read again (the cells before a value)


@dataclass
class Verdict:
    """The output guardrails on the held text: the blocked message, or each guardrail's regions on
    it, in the order they ran (each in the text the one before it masked: stream_masks.py)."""

    blocked: str | None = None
    stages: list[Stage] = field(default_factory=list)


def verdict(outcomes: Sequence[Outcome], unit: int, before: int = 0) -> Verdict:
    """The verdict of guardrails that ran in turn on a text whose answer is text unit ``unit``,
    the first ``before`` characters of which were released already (read again for context)."""
    for outcome in outcomes:
        if outcome.blocked:
            return Verdict(outcome.outputs[0])
    return Verdict(None, after_context([regions(outcome.detections, unit) for outcome in outcomes], before))


# The guardrails on some text (second), after what they read again of the text released (first).
Check = Callable[[str, str], Coroutine[Any, Any, Verdict]]


@dataclass
class Released:
    """What a check reads again of the text already released: the first lines of the current block
    (text since the last blank line), where a table's header names its columns, and the current
    line so far, whose cells come before a value. Kept as the text goes, in bounded pieces."""

    head: list[str] = field(default_factory=list)
    line: str = ""

    def context(self) -> str:
        return "".join(f"{line}\n" for line in self.head) + self.line

    def add(self, text: str) -> None:
        if "\n" not in text:
            self.line = (self.line + text)[-LINE_SO_FAR:]
            return
        *finished, rest = text.split("\n")
        finished[0] = self.line + finished[0]
        for line in finished:
            if not line.strip():
                self.head = []  # a blank line ends the block
            elif len(self.head) < HEAD_LINES:
                self.head.append(line if len(line) <= HEAD_LINE else "")
        self.line = rest[-LINE_SO_FAR:]


@dataclass
class _Sync:
    check: Check
    held: str = ""
    unchecked: int = 0
    released: Released = field(default_factory=Released)

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
        said = await self.check(self.released.context(), self.held)
        self.unchecked = 0
        if said.blocked is not None:
            self.held = ""
            return "", said.blocked
        end = len(self.held) if final else _word_end(self.held, max(0, len(self.held) - MARGIN))
        end = safe_cut(said.stages, end)  # never cut a match in two: hold from its start
        released = masked_through(said.stages, self.held[:end])
        self.released.add(self.held[:end])
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
    released: Released = field(default_factory=Released)  # what earlier checks read, before the overlap

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
        before = self.released.context()
        self.overlap = text[-MARGIN:]
        self.released.add(text[: len(text) - len(self.overlap)])
        self.task = asyncio.create_task(self.check(before, text))

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
    """Guards every choice's text of a stream, and its reasoning (reasoning.py: a guard of its own,
    whose held text is released before the answer's first text); tool-call deltas pass as they come.
    A block ends every choice (``choices``: how many the request asked for), as a blocked answer does."""

    def __init__(self, check: Check, mode: str, choices: int = 1) -> None:
        self._check = check
        self._mode = mode
        self._choices: dict[int, _Sync | _Async] = {}
        self._thoughts: dict[int, tuple[_Sync | _Async, reasoning.Place]] = {}  # each choice's reasoning
        self._asked = choices
        self._finished: set[int] = set()  # choices whose finish_reason was sent
        self._ends: dict[int, str] = {}  # each choice's last two characters sent
        self.ended = False  # a check blocked: the caller must stop reading the upstream

    def _new(self) -> _Sync | _Async:
        return _Sync(self._check) if self._mode == "sync" else _Async(self._check)

    def _for(self, index: int) -> _Sync | _Async:
        guard = self._choices.get(index)
        if guard is None:
            guard = self._choices[index] = self._new()
        return guard

    async def _think(self, index: int, delta: Delta) -> str | None:
        """The delta's reasoning through its guard (in place); the blocked message when it blocks."""
        for place, text in list(reasoning.places(delta)):
            guard, _ = self._thoughts.get(index) or (self._new(), place)
            self._thoughts[index] = (guard, place)
            released, blocked = await guard.feed(text)
            if blocked is not None:
                return blocked
            reasoning.put(delta, place, released)
        return None

    async def _thought_tail(self, index: int) -> tuple[str, reasoning.Place | None, str | None]:
        """The reasoning still held for choice ``index`` (released before its answer's text), where
        it was last, and the blocked message when it blocks."""
        if index not in self._thoughts:
            return "", None, None
        guard, place = self._thoughts[index]
        tail, blocked = await guard.finish()
        return tail, place, blocked

    async def process(self, chunk: ChatCompletionChunk) -> list[ChatCompletionChunk]:
        """The chunks to send for one from upstream (none, it, or it and a blocked ending)."""
        out: list[ChatCompletionChunk] = []
        for choice in chunk.choices:
            own = next(reasoning.places(choice.delta), None)  # this delta's own reasoning, if any
            blocked = await self._think(choice.index, choice.delta)
            text = choice.delta.content or ""
            if blocked is None and (text or choice.finish_reason is not None):
                tail, place, blocked = await self._thought_tail(choice.index)
                if tail and own is not None and own[0].block is None:
                    reasoning.append(choice.delta, own[0], tail)  # after what this delta itself released
                elif tail and place is not None:
                    out.append(_thought_chunk(chunk, choice.index, place, tail))
            if blocked is not None:
                return out + self._blocked(chunk, blocked)
            guard = self._for(choice.index)
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
        for index in list(self._thoughts):
            tail, place, blocked = await self._thought_tail(index)
            if blocked is not None:
                return out + self._blocked(last, blocked)
            if tail and place is not None:
                out.append(_thought_chunk(last, index, place, tail))
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
        for guard in [*self._choices.values(), *(g for g, _ in self._thoughts.values())]:
            if isinstance(guard, _Async):
                guard.cancel()

    def _blocked(self, like: ChatCompletionChunk, message: str) -> list[ChatCompletionChunk]:
        """The ending of every choice not yet finished: the blocked message, ``content_filter``."""
        self.ended = True
        self.cancel()
        indexes = sorted((set(range(self._asked)) | self._choices.keys()) - self._finished)
        return [_text_chunk(like, index, self._own_line(index, message), "content_filter") for index in indexes]


def _thought_chunk(like: ChatCompletionChunk, index: int, place: reasoning.Place, text: str) -> ChatCompletionChunk:
    """A chunk of reasoning alone, in the field the upstream sent it in."""
    delta = Delta()
    if place.block is None:
        setattr(delta, place.field, text)
    else:
        delta.thinking_blocks = [{"type": "thinking", "thinking": text, "signature": ""}]  # type: ignore[attr-defined]
    return ChatCompletionChunk(
        id=like.id, created=like.created, model=like.model, choices=[ChunkChoice(index=index, delta=delta)]
    )


def _text_chunk(like: ChatCompletionChunk, index: int, text: str, finish: str | None) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=like.id,
        created=like.created,
        model=like.model,
        choices=[ChunkChoice(index=index, delta=Delta(content=text), finish_reason=finish)],
    )


def _word_end(text: str, end: int) -> int:
    """``end`` moved back to just after the last whitespace before it, so that what is released
    ends on a whole word: a run with no space in it (a URL, a key, a password) is held until it has
    been read whole, unless it is longer than LONGEST_RUN (then cut where it must be)."""
    floor = max(0, end - LONGEST_RUN)
    space = max(text.rfind(" ", floor, end), text.rfind("\n", floor, end), text.rfind("\t", floor, end))
    if space >= 0:
        return space + 1
    return 0 if floor == 0 else end
