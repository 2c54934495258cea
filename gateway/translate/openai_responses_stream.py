"""Canonical stream chunks -> Responses API server-sent events (what the openai SDK's
``responses.stream()`` accumulates), each numbered by ``sequence_number``.

OpenAI's order: ``response.created`` and ``response.in_progress``; per output item
``response.output_item.added``, then for a message ``response.content_part.added``,
``response.output_text.delta``..., ``response.output_text.done``, ``response.content_part.done``,
for a function call ``response.function_call_arguments.delta``...,
``response.function_call_arguments.done``; then ``response.output_item.done``; last
``response.completed`` (``response.incomplete`` when the answer was cut) with the whole response
and its usage. A failure after the first byte ends the stream with ``error`` and ``response.failed``,
whose output is what was sent so far (the item cut short ``incomplete``).

The chunks are read as content blocks (gateway/translate/blocks.py, as the Bedrock surfaces read
them): text, or a tool call once it has its name, each closed before the next starts. A call whose
name comes in a later chunk than its id (OpenAI's delta format allows it) is added when its name
comes, since ``response.output_item.added`` carries the name and the openai SDK keeps it from there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from gateway.translate.blocks import BlockDelta, BlockEvent, Blocks, BlockStart, BlockStop
from gateway.translate.openai_responses_output import (
    finished,
    function_call_item,
    message_item,
    output_text,
    response_usage,
)
from providers.canonical import ChatCompletionChunk, ChunkChoice, Usage

Json = dict[str, Any]


@dataclass(slots=True)
class _Item:
    """An output item being streamed: where it is in ``output``, and its text or arguments so far."""

    item: Json
    index: int
    pieces: list[str] = field(default_factory=list)

    @property
    def is_message(self) -> bool:
        return bool(self.item["type"] == "message")

    def done(self, status: str) -> Json:
        """The item as it stands, with ``status``."""
        if self.is_message:
            return message_item("".join(self.pieces), status, self.item["id"])
        return {**self.item, "arguments": "".join(self.pieces), "status": status}


class ResponseEvents:
    """Feed canonical chunks to ``chunk()``; once the stream ended, ``finish()`` closes the open
    item and builds the response, and ``completed()`` is its last event (sent once it is stored)."""

    def __init__(self, base: Json) -> None:
        self._base = base  # the response's skeleton (openai_responses.skeleton)
        self._sequence = 0
        self._opened = False
        self._model = ""
        self._output: list[Json] = []
        self._blocks = Blocks(id_prefix=f"call_{base['id'].removeprefix('resp_')}_")
        self._open_item: _Item | None = None  # the item of the block open now
        self._finish_reason: str | None = None
        self.response: Json | None = None  # set by finish(): the stream ended normally

    def _event(self, kind: str, fields: Json) -> bytes:
        fields["type"] = kind
        fields["sequence_number"] = self._sequence
        self._sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(fields) + b"\n\n"

    def _open(self) -> bytes:
        if self._opened:
            return b""
        self._opened = True
        response = {**self._base, "model": self._model, "status": "in_progress", "output": [], "usage": None}
        created = self._event("response.created", {"response": response})
        return created + self._event("response.in_progress", {"response": response})

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        """The events for one chunk (none for a usage-only chunk)."""
        self._model = chunk.model
        out = self._open()
        for choice in chunk.choices:
            if choice.index == 0 and choice.finish_reason:  # read first: the events close the items
                self._finish_reason = choice.finish_reason
        for event in self._blocks.feed(_refusals_as_text(chunk)):
            out += self._on(event)
        return out

    def _on(self, event: BlockEvent) -> bytes:
        if isinstance(event, BlockStart):
            if event.tool_id is None:
                return self._start_message()
            return self._add(function_call_item(event.tool_id, event.tool_name or "", "", "in_progress"))
        if isinstance(event, BlockDelta):
            return self._delta(event.text)
        if isinstance(event, BlockStop):
            return self._close()
        return b""  # MessageStop: its finish reason was read from the chunk

    def _add(self, item: Json) -> bytes:
        self._open_item = _Item(item, len(self._output))
        self._output.append(item)
        return self._event("response.output_item.added", {"output_index": self._open_item.index, "item": item})

    def _start_message(self) -> bytes:
        item = message_item("", "in_progress")
        item["content"] = []
        out = self._add(item)
        part = {"item_id": item["id"], "output_index": len(self._output) - 1, "content_index": 0}
        return out + self._event("response.content_part.added", {**part, "part": output_text("")})

    def _delta(self, text: str) -> bytes:
        entry = self._open_item
        assert entry is not None  # Blocks starts a block before its deltas
        entry.pieces.append(text)
        where = {"item_id": entry.item["id"], "output_index": entry.index}
        if entry.is_message:
            return self._event(
                "response.output_text.delta", {**where, "content_index": 0, "delta": text, "logprobs": []}
            )
        return self._event("response.function_call_arguments.delta", {**where, "delta": text})

    def _close(self) -> bytes:
        entry, self._open_item = self._open_item, None
        if entry is None:
            return b""
        done = entry.done("incomplete" if entry.is_message and self._finish_reason == "length" else "completed")
        self._output[entry.index] = done
        where = {"item_id": done["id"], "output_index": entry.index}
        if entry.is_message:
            text, where["content_index"] = done["content"][0]["text"], 0
            out = self._event("response.output_text.done", {**where, "text": text, "logprobs": []})
            out += self._event("response.content_part.done", {**where, "part": output_text(text)})
        else:
            out = self._event("response.function_call_arguments.done", {**where, "arguments": done["arguments"]})
        return out + self._event("response.output_item.done", {"output_index": entry.index, "item": done})

    def finish(self, usage: Usage | None, extra: Json | None = None) -> bytes:
        """The events that close the open item; the finished response is then ``self.response``."""
        out = self._open()
        for event in self._blocks.end():
            out += self._on(event)
        if not self._output:  # nothing was said: still one (empty) message, as a complete answer has
            out += self._start_message() + self._close()
        self.response = finished(self._base, self._model, self._output, self._finish_reason, response_usage(usage))
        if extra:
            self.response.update(extra)
        return out

    def completed(self) -> bytes:
        """The last event: ``response.completed``, or ``response.incomplete`` for a cut answer."""
        assert self.response is not None
        kind = "response.completed" if self.response["status"] == "completed" else "response.incomplete"
        return self._event(kind, {"response": self.response})

    def failed(self, message: str, code: str | None, param: str | None, reason: str = "server_error") -> bytes:
        """A failure after the first byte: ``error`` (``code``: the error's own), then ``response.failed``
        with what was sent so far (the item cut short ``incomplete``) and ``reason`` (one of the
        Responses API's error codes)."""
        out = self._open()
        out += self._event("error", {"code": code, "message": message, "param": param})
        output = list(self._output)
        if self._open_item is not None:
            output[self._open_item.index] = self._open_item.done("incomplete")
        response = {
            **self._base,
            "model": self._model,
            "status": "failed",
            "error": {"code": reason, "message": message},
            "output": output,
            "usage": None,
        }
        return out + self._event("response.failed", {"response": response})


def _refusals_as_text(chunk: ChatCompletionChunk) -> ChatCompletionChunk:
    """The chunk with a refusal delta as text (a streamed refusal is said as the message's text)."""
    choices = chunk.choices
    if not any(c.index == 0 and c.delta.model_extra and c.delta.model_extra.get("refusal") for c in choices):
        return chunk
    refused = [_refusal_as_text(c) if c.index == 0 else c for c in choices]
    return chunk.model_copy(update={"choices": refused})


def _refusal_as_text(choice: ChunkChoice) -> ChunkChoice:
    refusal = (choice.delta.model_extra or {}).get("refusal")
    if choice.delta.content or not isinstance(refusal, str):
        return choice
    return choice.model_copy(update={"delta": choice.delta.model_copy(update={"content": refusal})})
