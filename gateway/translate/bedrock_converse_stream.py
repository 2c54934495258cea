"""Canonical stream chunks -> ConverseStream events, as event-stream frames.

Bedrock's order: ``messageStart``; per content block ``contentBlockStart`` (tool use only: a
text block starts with its first delta), ``contentBlockDelta``..., ``contentBlockStop``;
``messageStop`` with the stop reason; ``metadata`` with usage and latency last.
"""

from __future__ import annotations

import time

from gateway.translate.bedrock_converse import stop_reason, token_usage
from gateway.translate.blocks import BlockDelta, BlockEvent, Blocks, BlockStart, BlockStop, MessageStop
from gateway.translate.eventstream import event
from providers.canonical import ChatCompletionChunk, Usage

_MESSAGE_START = event("messageStart", {"role": "assistant"})


class ConverseStreamEvents:
    """Feed canonical chunks to ``chunk()``; call ``finish()`` once the stream has ended."""

    def __init__(self, started: float, stops: list[str] | None = None) -> None:
        self._started = started
        self._stops = stops
        self._blocks = Blocks()
        self._began = False

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        """The frames for one chunk (often one, sometimes none or several)."""
        out = self._begin()
        for item in self._blocks.feed(chunk):
            out += self._frame(item)
        return out

    def finish(self, usage: Usage | None, trace: dict[str, object] | None = None) -> bytes:
        """The closing frames: ``messageStop`` if the upstream never said why it stopped, then ``metadata``."""
        out = self._begin()
        for item in self._blocks.end():
            out += self._frame(item)
        latency = int((time.perf_counter() - self._started) * 1000)
        metadata: dict[str, object] = {"usage": token_usage(usage), "metrics": {"latencyMs": latency}}
        if trace:
            metadata["trace"] = trace
        return out + event("metadata", metadata)

    def _begin(self) -> bytes:
        if self._began:
            return b""
        self._began = True
        return _MESSAGE_START

    def _frame(self, item: BlockEvent) -> bytes:
        if isinstance(item, BlockDelta):
            delta = {"toolUse": {"input": item.text}} if item.tool else {"text": item.text}
            return event("contentBlockDelta", {"delta": delta, "contentBlockIndex": item.index})
        if isinstance(item, BlockStart):
            if item.tool_id is None:
                return b""
            start = {"toolUse": {"toolUseId": item.tool_id, "name": item.tool_name or ""}}
            return event("contentBlockStart", {"start": start, "contentBlockIndex": item.index})
        if isinstance(item, BlockStop):
            return event("contentBlockStop", {"contentBlockIndex": item.index})
        assert isinstance(item, MessageStop)
        reason = stop_reason(item.finish_reason, item.matched_stop, self._stops, self._blocks.used_tools)
        return event("messageStop", {"stopReason": reason})
