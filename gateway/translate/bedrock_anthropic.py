"""Anthropic Messages bodies (InvokeModel for Claude on Bedrock) <-> canonical.

The body is Anthropic's Messages API less ``model`` plus ``anthropic_version``; the answer is
a Messages response, and the streaming variant sends Anthropic's stream events (message_start,
content_block_start/delta/stop, message_delta, message_stop), each as one Bedrock ``chunk``.
Any upstream can answer: the request is translated to the canonical (OpenAI) form and back.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.errors import InvalidRequest
from gateway.translate.bedrock_converse import canonical, tool_input
from gateway.translate.blocks import BlockDelta, BlockEvent, Blocks, BlockStart, BlockStop, MessageStop
from gateway.translate.fields import Json, get, need, put
from providers.canonical import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Usage

_STOP = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}
_TOOL_CHOICE: dict[str, str] = {"auto": "auto", "any": "required", "none": "none"}


def is_anthropic(body: Json) -> bool:
    return "anthropic_version" in body


# ---------------------------------------------------------------- requests


def to_chat(model: str, body: Json, stream: bool) -> ChatCompletionRequest:
    request: Json = {"model": model, "max_tokens": need(body, "max_tokens", int)}
    request["messages"] = _system(body.get("system")) + _messages(need(body, "messages", list))
    put(request, "temperature", get(body, "temperature", float))
    put(request, "top_p", get(body, "top_p", float))
    put(request, "stop", get(body, "stop_sequences", list))
    tools = get(body, "tools", list)
    if tools:
        request["tools"] = [_tool(t, i) for i, t in enumerate(tools)]
    choice = get(body, "tool_choice", dict)
    if choice is not None:
        request["tool_choice"] = _tool_choice(choice)
    if stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return canonical(request)


def _system(system: Any) -> list[Json]:
    if system is None:
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}] if system else []
    if isinstance(system, list):
        blocks = [(i, b) for i, b in enumerate(system) if isinstance(b, dict) and b.get("type") == "text"]
        text = "\n".join(need(b, "text", str, f"system.{i}.") for i, b in blocks)
        return [{"role": "system", "content": text}]
    raise InvalidRequest("Malformed input request: 'system' must be a string or an array of text blocks.")


def _messages(messages: list[Any]) -> list[Json]:
    out: list[Json] = []
    for i, message in enumerate(messages):
        where = f"messages.{i}."
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InvalidRequest(f"Malformed input request: {where}role must be 'user' or 'assistant'.")
        role, content = message["role"], message.get("content")
        if isinstance(content, str):
            out.append({"role": role, "content": content})
        elif isinstance(content, list):
            out.extend(_assistant(content, where) if role == "assistant" else _user(content, where))
        else:
            raise InvalidRequest(f"Malformed input request: {where}content must be a string or an array.")
    return out


def _blocks(content: list[Any], where: str) -> list[tuple[str, Json]]:
    typed = []
    for j, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise InvalidRequest(f"Malformed input request: {where}content.{j} must be an object with a 'type'.")
        typed.append((f"{where}content.{j}", block))
    return typed


def _assistant(content: list[Any], where: str) -> list[Json]:
    texts, calls = [], []
    for at, block in _blocks(content, where):
        kind = block["type"]
        if kind == "text":
            texts.append(need(block, "text", str, at + "."))
        elif kind == "tool_use":
            arguments = orjson.dumps(block.get("input") or {}).decode()
            name = need(block, "name", str, at + ".")
            calls.append(
                {
                    "id": need(block, "id", str, at + "."),
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            )
        elif kind not in ("thinking", "redacted_thinking"):
            raise InvalidRequest(
                f"Malformed input request: {at}: '{kind}' blocks are not supported in assistant turns."
            )
    message: Json = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return [message]


def _user(content: list[Any], where: str) -> list[Json]:
    out: list[Json] = []
    parts: list[Json] = []
    for at, block in _blocks(content, where):
        kind = block["type"]
        if kind == "text":
            parts.append({"type": "text", "text": need(block, "text", str, at + ".")})
        elif kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": _source_url(block, at)}})
        elif kind == "document":
            parts.append(_document(block, at))
        elif kind == "tool_result":
            out.append(_tool_result(block, at))
        else:
            raise InvalidRequest(f"Malformed input request: {at}: '{kind}' blocks are not supported.")
    if parts:
        only_text = all(p["type"] == "text" for p in parts)
        out.append({"role": "user", "content": "\n".join(p["text"] for p in parts) if only_text else parts})
    return out


def _source_url(block: Json, at: str) -> str:
    source = need(block, "source", dict, at + ".")
    if source.get("type") == "url":
        return need(source, "url", str, at + ".source.")
    media_type = need(source, "media_type", str, at + ".source.")
    return f"data:{media_type};base64,{need(source, 'data', str, at + '.source.')}"


def _document(block: Json, at: str) -> Json:
    source = need(block, "source", dict, at + ".")
    if source.get("type") == "text":
        return {"type": "text", "text": need(source, "data", str, at + ".source.")}
    filename = str(block.get("title") or "document")
    return {"type": "file", "file": {"filename": filename, "file_data": _source_url(block, at)}}


def _tool_result(block: Json, at: str) -> Json:
    content = block.get("content")
    if isinstance(content, list):
        content = "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict) and c.get("type") == "text")
    elif content is None:
        content = ""
    elif not isinstance(content, str):
        raise InvalidRequest(f"Malformed input request: {at}.content must be a string or an array of text blocks.")
    if block.get("is_error"):
        content = f"Error: {content}"
    return {"role": "tool", "tool_call_id": need(block, "tool_use_id", str, at + "."), "content": content}


def _tool(tool: Any, i: int) -> Json:
    if not isinstance(tool, dict):
        raise InvalidRequest(f"Malformed input request: tools.{i} must be an object.")
    function: Json = {"name": need(tool, "name", str, f"tools.{i}."), "parameters": tool.get("input_schema") or {}}
    put(function, "description", get(tool, "description", str, f"tools.{i}."))
    return {"type": "function", "function": function}


def _tool_choice(choice: Json) -> Json | str:
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": need(choice, "name", str, "tool_choice.")}}
    if isinstance(kind, str) and kind in _TOOL_CHOICE:  # a list or object is no type (nor hashable)
        return _TOOL_CHOICE[kind]
    raise InvalidRequest("Malformed input request: tool_choice.type must be auto, any, tool or none.")


# ---------------------------------------------------------------- responses


def _stop_reason(
    finish: str | None, matched: object, stops: list[str] | None, used_tools: bool
) -> tuple[str, str | None]:
    if finish == "stop" and isinstance(matched, str) and stops and matched in stops:
        return "stop_sequence", matched
    reason = _STOP.get(finish or "stop", "end_turn")
    return ("tool_use" if reason == "end_turn" and used_tools else reason), None  # some servers end tool calls "stop"


def _usage(usage: Usage | None) -> Json:
    if usage is None:
        return {"input_tokens": 0, "output_tokens": 0}
    return {"input_tokens": usage.prompt_tokens, "output_tokens": usage.completion_tokens}


def from_chat(completion: ChatCompletion, request: ChatCompletionRequest) -> Json:
    choice = completion.choices[0] if completion.choices else None
    content: list[Json] = []
    finish: str | None = "stop"
    matched: object = None
    if choice is not None:
        message, finish, matched = choice.message, choice.finish_reason, getattr(choice, "stop_reason", None)
        if message.content:
            content.append({"type": "text", "text": message.content})
        for call in message.tool_calls or ():
            content.append(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.function.name,
                    "input": tool_input(call.function.arguments),
                }
            )
    reason, sequence = _stop_reason(finish, matched, _stops(request), any(b["type"] == "tool_use" for b in content))
    return {
        "id": completion.id,
        "type": "message",
        "role": "assistant",
        "model": completion.model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": sequence,
        "usage": _usage(completion.usage),
    }


def _stops(request: ChatCompletionRequest) -> list[str] | None:
    return [request.stop] if isinstance(request.stop, str) else request.stop


class AnthropicStream:
    """Canonical chunks -> Anthropic stream events (as dicts; the surface frames them).
    ``message_start`` carries ``input_tokens``, the prompt's count (OpenAI-style upstreams say it
    only at the end), as the Anthropic surface's does (translate/anthropic_stream.py)."""

    def __init__(self, request: ChatCompletionRequest, body: Json, input_tokens: int = 0) -> None:
        self._model = request.model
        self._input_tokens = input_tokens
        self._stops = _stops(request)
        self._blocks = Blocks()
        self._began = False
        self._stop: MessageStop | None = None

    def chunk(self, chunk: ChatCompletionChunk) -> list[Json]:
        out = self._begin(chunk.id)
        out.extend(e for e in (self._event(item) for item in self._blocks.feed(chunk)) if e is not None)
        return out

    def finish(self, usage: Usage | None, metrics: Json) -> list[Json]:
        out = self._begin("msg")
        out.extend(e for e in (self._event(item) for item in self._blocks.end()) if e is not None)
        stop = self._stop or MessageStop("stop")
        reason, sequence = _stop_reason(stop.finish_reason, stop.matched_stop, self._stops, self._blocks.used_tools)
        delta = {"stop_reason": reason, "stop_sequence": sequence}
        out.append({"type": "message_delta", "delta": delta, "usage": _usage(usage)})
        out.append({"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics})
        return out

    def _begin(self, ident: str) -> list[Json]:
        if self._began:
            return []
        self._began = True
        message: Json = {
            "id": ident,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": self._input_tokens, "output_tokens": 0},
        }
        return [{"type": "message_start", "message": message}]

    def _event(self, item: BlockEvent) -> Json | None:
        if isinstance(item, BlockDelta):
            delta = (
                {"type": "input_json_delta", "partial_json": item.text}
                if item.tool
                else {"type": "text_delta", "text": item.text}
            )
            return {"type": "content_block_delta", "index": item.index, "delta": delta}
        if isinstance(item, BlockStart):
            block: Json = {"type": "text", "text": ""}
            if item.tool_id is not None:
                block = {"type": "tool_use", "id": item.tool_id, "name": item.tool_name or "", "input": {}}
            return {"type": "content_block_start", "index": item.index, "content_block": block}
        if isinstance(item, BlockStop):
            return {"type": "content_block_stop", "index": item.index}
        self._stop = item
        return None
