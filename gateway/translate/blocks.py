"""Canonical stream chunks -> content-block events, for surfaces that stream in blocks.

OpenAI streams deltas with no explicit structure; Bedrock's Converse and Anthropic's Messages
stream *content blocks*: a block starts, gets deltas, stops, and only then may the next start.
This state machine tracks the open block (text, or the tool call with a given OpenAI index,
each new one closing the one before) and reports the message's finish once. A tool call whose
name comes in a later chunk than its id (OpenAI's delta format allows it) starts its block when
the name comes: both surfaces name the tool in the block's start, and a client needs it there.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.canonical import ChatCompletionChunk

_TEXT = -1  # the open block is text; a tool block is identified by its OpenAI tool-call index


@dataclass(frozen=True, slots=True)
class BlockStart:
    index: int
    tool_id: str | None = None  # None: a text block
    tool_name: str | None = None


@dataclass(frozen=True, slots=True)
class BlockDelta:
    index: int
    text: str
    tool: bool = False  # True: partial JSON of a tool call's input


@dataclass(frozen=True, slots=True)
class BlockStop:
    index: int


@dataclass(frozen=True, slots=True)
class MessageStop:
    finish_reason: str
    matched_stop: object = None  # vLLM's `stop_reason`: the stop string that ended the text


BlockEvent = BlockStart | BlockDelta | BlockStop | MessageStop


class Blocks:
    """Feed chunks of choice 0 to ``feed``; ``end`` closes what is open if the upstream did not."""

    def __init__(self, id_prefix: str = "tooluse_") -> None:
        """``id_prefix``: a tool call the upstream sent without an id gets ``id_prefix`` and its
        block's number (unique within the message; a surface makes the prefix unique per message)."""
        self.id_prefix = id_prefix
        self._open: int | None = None
        self.index = -1
        self.stopped = False
        self.used_tools = False  # some block was a tool call: the message ends in tool use
        self._unnamed: tuple[int, str | None, str] | None = None  # a tool call waiting for its name

    def feed(self, chunk: ChatCompletionChunk) -> list[BlockEvent]:
        events: list[BlockEvent] = []
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                if self._open != _TEXT:
                    self._name_now(events)
                    self._switch(events, _TEXT, None, None)
                events.append(BlockDelta(self.index, delta.content))
            for call in delta.tool_calls or ():
                self._tool(events, call.index, call.id, call.function or {})
            if choice.finish_reason is not None and not self.stopped:
                self._name_now(events)
                self._close(events)
                self.stopped = True
                events.append(MessageStop(choice.finish_reason, getattr(choice, "stop_reason", None)))
        return events

    def _tool(self, events: list[BlockEvent], index: int, tool_id: str | None, function: dict[str, object]) -> None:
        name, arguments = str(function.get("name") or ""), str(function.get("arguments") or "")
        waiting = self._unnamed
        if waiting is not None and waiting[0] == index:  # the call waiting for its name goes on
            self._unnamed = (index, waiting[1] or tool_id, waiting[2] + arguments)
            if name:
                self._name_now(events, name)
            return
        if self._open != index:  # a new call
            self._name_now(events)
            if not name:
                self._close(events)
                self._unnamed = (index, tool_id, arguments)
                return
            self._switch(events, index, tool_id or f"{self.id_prefix}{self.index + 1}", name)
        if arguments:
            events.append(BlockDelta(self.index, arguments, tool=True))

    def _name_now(self, events: list[BlockEvent], name: str = "") -> None:
        """Start the block of the call waiting for its name (with what came of its input)."""
        waiting, self._unnamed = self._unnamed, None
        if waiting is None:
            return
        index, tool_id, arguments = waiting
        self._switch(events, index, tool_id or f"{self.id_prefix}{self.index + 1}", name)
        if arguments:
            events.append(BlockDelta(self.index, arguments, tool=True))

    def end(self) -> list[BlockEvent]:
        events: list[BlockEvent] = []
        if not self.stopped:
            self._name_now(events)
            self._close(events)
            self.stopped = True
            events.append(MessageStop("stop"))
        return events

    def _switch(self, events: list[BlockEvent], key: int, tool_id: str | None, name: str | None) -> None:
        self._close(events)
        self._open, self.index = key, self.index + 1
        self.used_tools = self.used_tools or tool_id is not None
        events.append(BlockStart(self.index, tool_id, name))

    def _close(self, events: list[BlockEvent]) -> None:
        if self._open is not None:
            self._open = None
            events.append(BlockStop(self.index))
