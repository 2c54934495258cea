"""Canonical stream chunks -> Anthropic's Messages stream events, as server-sent events.

Anthropic's order, which the SDK's ``messages.stream()`` accumulates: ``message_start`` (usage
still zero: OpenAI-style upstreams report it at the end), a ``ping``, then per content block
``content_block_start``, ``content_block_delta``... (``thinking_delta`` and ``signature_delta``,
``text_delta``, ``input_json_delta``), ``content_block_stop``, each block closed before the next
opens; at the end ``message_delta`` with the stop reason and the usage (input tokens included,
which the SDK takes over) and ``message_stop``. Every event has an ``event:`` line, which the SDK
dispatches on.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.translate.anthropic_replies import stop_reason, thinking_block, usage_json
from providers.canonical import ChatCompletionChunk, Delta, Usage

Json = dict[str, Any]

_TEXT, _THINKING = "text", "thinking"  # the open block's key; a tool call's is its OpenAI index
PING = b'event: ping\ndata: {"type":"ping"}\n\n'
MESSAGE_STOP = b'event: message_stop\ndata: {"type":"message_stop"}\n\n'


def event(name: bytes, data: Json) -> bytes:
    return b"event: " + name + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def _delta(index: int, delta: Json) -> bytes:
    return event(b"content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})


class MessageEvents:
    """Feed chunks to ``chunk()``; call ``finish()`` once the stream has ended normally."""

    def __init__(self, message_id: str, stops: list[str] | None = None, input_tokens: int = 0) -> None:
        self._id = message_id
        self._stops = stops
        self._input_tokens = input_tokens  # the prompt's count, as Anthropic's message_start carries it
        self._began = False
        self._open: str | int | None = None
        self._index = -1
        self._finish: str | None = None
        self._matched: object = None
        self._used_tools = False
        self._unnamed: tuple[int, str, str] | None = None  # a tool call whose name has not come yet

    def chunk(self, chunk: ChatCompletionChunk) -> bytes:
        out: list[bytes] = [] if self._began else self._begin(chunk.model)
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            self._feed(choice.delta, out)
            if choice.finish_reason is not None and self._finish is None:
                self._name_now(out)
                self._close(out)
                self._finish = choice.finish_reason
                self._matched = (choice.model_extra or {}).get("stop_reason")
        return b"".join(out)

    def finish(self, usage: Usage | None, model: str, extra: Json | None = None) -> bytes:
        """The closing events; ``extra`` fields (a guardrail's report) ride on ``message_delta``."""
        out: list[bytes] = [] if self._began else self._begin(model)
        self._name_now(out)
        self._close(out)
        reason, sequence = stop_reason(self._finish, self._matched, self._stops, self._used_tools)
        data: Json = {
            "type": "message_delta",
            "delta": {"stop_reason": reason, "stop_sequence": sequence},
            "usage": usage_json(usage),
        }
        if extra:
            data.update(extra)
        out += (event(b"message_delta", data), MESSAGE_STOP)
        return b"".join(out)

    def _begin(self, model: str) -> list[bytes]:
        self._began = True
        message: Json = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": self._input_tokens, "output_tokens": 0},
        }
        return [event(b"message_start", {"type": "message_start", "message": message}), PING]

    def _feed(self, delta: Delta, out: list[bytes]) -> None:
        if delta.model_extra:
            self._thinking(delta.model_extra, out)
        if delta.content:
            if self._open != _TEXT:
                self._start(out, _TEXT, {"type": "text", "text": ""})
            out.append(_delta(self._index, {"type": "text_delta", "text": delta.content}))
        for call in delta.tool_calls or ():
            function = call.function or {}
            name, arguments = str(function.get("name") or ""), str(function.get("arguments") or "")
            waiting = self._unnamed
            if waiting is not None and waiting[0] == call.index:  # its name may come now
                self._unnamed = (call.index, waiting[1], waiting[2] + arguments)
                if name:
                    self._name_now(out, name)
                continue
            if self._open != call.index:
                tool_id = call.id or f"toolu_{self._id}_{self._index + 1}"
                if not name:  # OpenAI's deltas may name the tool later: its block starts then
                    self._name_now(out)
                    self._close(out)
                    self._unnamed = (call.index, tool_id, arguments)
                    continue
                self._start(out, call.index, {"type": "tool_use", "id": tool_id, "name": name, "input": {}})
                self._used_tools = True
            if arguments:
                out.append(_delta(self._index, {"type": "input_json_delta", "partial_json": arguments}))

    def _name_now(self, out: list[bytes], name: str = "") -> None:
        """Start the block of the tool call waiting for its name, with the input that came meanwhile."""
        waiting, self._unnamed = self._unnamed, None
        if waiting is None:
            return
        index, tool_id, arguments = waiting
        self._start(out, index, {"type": "tool_use", "id": tool_id, "name": name, "input": {}})
        self._used_tools = True
        if arguments:
            out.append(_delta(self._index, {"type": "input_json_delta", "partial_json": arguments}))

    def _thinking(self, extra: Json, out: list[bytes]) -> None:
        """litellm's ``thinking_blocks`` (text and signature, as Claude streams them), else an
        OpenAI-style server's ``reasoning_content``; a signature ends its block."""
        blocks = extra.get("thinking_blocks")
        if not (isinstance(blocks, list) and blocks):
            text = extra.get("reasoning_content") or extra.get("reasoning")
            blocks = [{"type": "thinking", "thinking": text}] if isinstance(text, str) and text else []
        for item in blocks:
            block = thinking_block(item)
            if block is None:
                continue
            if block["type"] == "redacted_thinking":
                self._start(out, _THINKING, block)
                self._close(out)
                continue
            if block["thinking"] or block["signature"]:
                if self._open != _THINKING:
                    self._start(out, _THINKING, {"type": "thinking", "thinking": "", "signature": ""})
                if block["thinking"]:
                    out.append(_delta(self._index, {"type": "thinking_delta", "thinking": block["thinking"]}))
            if block["signature"]:
                out.append(_delta(self._index, {"type": "signature_delta", "signature": block["signature"]}))
                self._close(out)

    def _start(self, out: list[bytes], key: str | int, block: Json) -> None:
        self._name_now(out)  # a text or thinking block after a nameless call: the call comes first
        self._close(out)
        self._open, self._index = key, self._index + 1
        data = {"type": "content_block_start", "index": self._index, "content_block": block}
        out.append(event(b"content_block_start", data))

    def _close(self, out: list[bytes]) -> None:
        if self._open is not None:
            self._open = None
            out.append(event(b"content_block_stop", {"type": "content_block_stop", "index": self._index}))
