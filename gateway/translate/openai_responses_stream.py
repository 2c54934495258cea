"""Canonical stream chunks -> Responses API server-sent events (what the openai SDK's
``responses.stream()`` accumulates), each numbered by ``sequence_number``.

OpenAI's order: ``response.created`` and ``response.in_progress``; per output item
``response.output_item.added``, then for a message ``response.content_part.added``,
``response.output_text.delta``..., ``response.output_text.done``, ``response.content_part.done``,
for a function call ``response.function_call_arguments.delta``...,
``response.function_call_arguments.done``; then ``response.output_item.done``; last
``response.completed`` (``response.incomplete`` when the answer was cut) with the whole response
and its usage. A failure after the first byte ends the stream with ``error`` and ``response.failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from gateway.translate.openai_responses import new_id
from gateway.translate.openai_responses_output import (
    finished,
    function_call_item,
    message_item,
    output_text,
    response_usage,
)
from providers.canonical import ChatCompletionChunk, ToolCallDelta, Usage

Json = dict[str, Any]


@dataclass(slots=True)
class _Item:
    """An output item being streamed: where it is in ``output``, and its text or arguments so far."""

    item: Json
    index: int
    pieces: list[str] = field(default_factory=list)


class ResponseEvents:
    """Feed canonical chunks to ``chunk()``; once the stream ended, ``finish()`` closes the open
    items and builds the response, and ``completed()`` is its last event (sent once it is stored)."""

    def __init__(self, base: Json) -> None:
        self._base = base  # the response's skeleton (openai_responses.skeleton)
        self._sequence = 0
        self._opened = False
        self._model = ""
        self._output: list[Json] = []
        self._message: _Item | None = None
        self._calls: dict[int, _Item] = {}
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
            if choice.index != 0:  # the Responses API has one output; n is never asked for
                continue
            delta = choice.delta
            text = delta.content or getattr(delta, "refusal", None)
            if text:
                out += self._text(text)
            for call in delta.tool_calls or ():
                out += self._call(call)
            if choice.finish_reason:
                self._finish_reason = choice.finish_reason
        return out

    def _add(self, item: Json) -> tuple[_Item, bytes]:
        entry = _Item(item, len(self._output))
        self._output.append(item)
        return entry, self._event("response.output_item.added", {"output_index": entry.index, "item": item})

    def _text(self, text: str) -> bytes:
        out = b""
        if self._message is None:
            item = message_item("", "in_progress")
            item["content"] = []
            self._message, out = self._add(item)
            part = {"item_id": item["id"], "output_index": self._message.index, "content_index": 0}
            out += self._event("response.content_part.added", {**part, "part": output_text("")})
        if not text:
            return out
        message = self._message
        message.pieces.append(text)
        where = {"item_id": message.item["id"], "output_index": message.index, "content_index": 0}
        return out + self._event("response.output_text.delta", {**where, "delta": text, "logprobs": []})

    def _call(self, call: ToolCallDelta) -> bytes:
        function = call.function or {}
        entry = self._calls.get(call.index)
        out = b""
        if entry is None:
            out = self._close_message()
            name = function.get("name")
            item = function_call_item(
                call.id or new_id("call"), name if isinstance(name, str) else "", "", "in_progress"
            )
            entry, added = self._add(item)
            self._calls[call.index] = entry
            out += added
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            entry.pieces.append(arguments)
            where = {"item_id": entry.item["id"], "output_index": entry.index}
            out += self._event("response.function_call_arguments.delta", {**where, "delta": arguments})
        return out

    def _close_message(self) -> bytes:
        message, self._message = self._message, None
        if message is None:
            return b""
        text = "".join(message.pieces)
        status = "incomplete" if self._finish_reason == "length" else "completed"
        done = message_item(text, status, message.item["id"])
        self._output[message.index] = done
        where = {"item_id": done["id"], "output_index": message.index, "content_index": 0}
        return (
            self._event("response.output_text.done", {**where, "text": text, "logprobs": []})
            + self._event("response.content_part.done", {**where, "part": output_text(text)})
            + self._event("response.output_item.done", {"output_index": message.index, "item": done})
        )

    def _close_calls(self) -> bytes:
        out = b""
        for entry in self._calls.values():
            arguments = "".join(entry.pieces)
            done = {**entry.item, "arguments": arguments, "status": "completed"}
            self._output[entry.index] = done
            where = {"item_id": done["id"], "output_index": entry.index}
            out += self._event("response.function_call_arguments.done", {**where, "arguments": arguments})
            out += self._event("response.output_item.done", {"output_index": entry.index, "item": done})
        self._calls.clear()
        return out

    def finish(self, usage: Usage | None, extra: Json | None = None) -> bytes:
        """The events that close the open items; the finished response is then ``self.response``."""
        out = self._open()
        if not self._output:  # nothing was said: still one (empty) message, as a complete answer has
            out += self._text("")
        out += self._close_message() + self._close_calls()
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
        with what was produced and ``reason`` (one of the Responses API's error codes)."""
        out = self._open()
        out += self._event("error", {"code": code, "message": message, "param": param})
        response = {
            **self._base,
            "model": self._model,
            "status": "failed",
            "error": {"code": reason, "message": message},
            "output": self._output,
            "usage": None,
        }
        return out + self._event("response.failed", {"response": response})
