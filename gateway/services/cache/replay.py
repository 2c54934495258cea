"""A cached answer served again: as a completion or as a stream, whichever shape it was kept in.

A replay gets a fresh id (OpenAI clients take ids as unique per response) and keeps the original
``created`` (when the answer was made; the ``age`` header says how long ago). A stream kept as
chunks replays chunk for chunk, its usage chunk last (the relay hides it from callers that did not
ask for usage); a completion asked for as a stream becomes one content chunk per choice, then the
finish reasons, then the usage; a stream asked for as a completion is joined back into one. Either
way every field the upstream sent survives: a refusal, a reasoning server's thinking, annotations,
system_fingerprint, service_tier, fields Strata does not know of.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

from pydantic import TypeAdapter

from gateway.services.cache.entry import CacheEntry
from providers.canonical import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    Delta,
    FunctionCall,
    ToolCall,
    ToolCallDelta,
)

CHUNKS: TypeAdapter[list[ChatCompletionChunk]] = TypeAdapter(list[ChatCompletionChunk])


def new_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion_of(entry: CacheEntry, model: str) -> ChatCompletion:
    if entry.kind == "completion":
        completion = ChatCompletion.model_validate_json(entry.body)
    else:
        completion = joined(CHUNKS.validate_json(entry.body))
    completion.id = new_id()
    completion.model = model
    return completion


def chunks_of(entry: CacheEntry, model: str) -> list[ChatCompletionChunk]:
    chunks = CHUNKS.validate_json(entry.body) if entry.kind == "chunks" else split(entry.body)
    ident = new_id()
    for chunk in chunks:
        chunk.id = ident
        chunk.model = model
    return chunks


async def replayed(chunks: list[ChatCompletionChunk]) -> AsyncIterator[ChatCompletionChunk]:
    for chunk in chunks:
        yield chunk


def split(body: bytes) -> list[ChatCompletionChunk]:
    """A completion as the chunks a stream of it would have sent: each message's fields (refusal,
    reasoning, annotations: whatever the upstream sent) in one delta, the choice's own fields
    (logprobs) beside it, and the completion's (system_fingerprint, service_tier) on every chunk."""
    completion = ChatCompletion.model_validate_json(body)
    ident, created, model = completion.id, completion.created, completion.model
    top = dict(completion.model_extra or {})
    chunks = []
    for choice in completion.choices:
        message = choice.message
        fields = message.model_dump(mode="json", exclude_unset=True, exclude={"role", "tool_calls"})
        delta = Delta(role="assistant", **fields)
        if message.tool_calls:
            delta.tool_calls = [
                ToolCallDelta(index=k, id=c.id, type="function", function=c.function.model_dump())
                for k, c in enumerate(message.tool_calls)
            ]
        part = ChunkChoice(index=choice.index, delta=delta, **(choice.model_extra or {}))
        chunks.append(ChatCompletionChunk(id=ident, created=created, model=model, choices=[part], **top))
    ends = [ChunkChoice(index=c.index, delta=Delta(), finish_reason=c.finish_reason) for c in completion.choices]
    chunks.append(ChatCompletionChunk(id=ident, created=created, model=model, choices=ends, **top))
    if completion.usage is not None:
        usage = completion.usage
        chunks.append(ChatCompletionChunk(id=ident, created=created, model=model, choices=[], usage=usage, **top))
    return chunks


def joined(chunks: list[ChatCompletionChunk]) -> ChatCompletion:
    """A stream's chunks joined into the completion they make: per choice, every field its deltas
    sent (content, refusal, reasoning..., see `_add`) and its tool calls; the chunks' own fields
    (system_fingerprint, service_tier...) as the last chunk that had them said."""
    messages: dict[int, dict[str, Any]] = {}
    extras: dict[int, dict[str, Any]] = {}
    calls: dict[int, dict[int, dict[str, Any]]] = {}
    finishes: dict[int, str | None] = {}
    top: dict[str, Any] = {}
    usage = None
    for chunk in chunks:
        if chunk.usage is not None:
            usage = chunk.usage
        for name, value in (chunk.model_extra or {}).items():
            if name not in STREAM_ONLY and (value is not None or name not in top):
                top[name] = value
        for choice in chunk.choices:
            fields = messages.setdefault(choice.index, {})
            delta = choice.delta.model_dump(mode="json", exclude_unset=True, exclude={"role", "tool_calls"})
            for name, value in delta.items():
                _add(fields, name, value, text=True)
            for name, value in (choice.model_extra or {}).items():
                _add(extras.setdefault(choice.index, {}), name, value, text=False)
            for part in choice.delta.tool_calls or ():
                _add_call(calls.setdefault(choice.index, {}), part)
            if choice.finish_reason is not None:
                finishes[choice.index] = choice.finish_reason
    choices = []
    for index in sorted(messages):
        fields = messages[index]
        message = AssistantMessage(**{**fields, "role": "assistant", "content": fields.get("content") or None})
        if calls.get(index):
            message.tool_calls = [_call(parts) for _, parts in sorted(calls[index].items())]
        finish = finishes.get(index)
        choices.append(Choice(index=index, message=message, finish_reason=finish, **extras.get(index, {})))
    first = chunks[0]
    return ChatCompletion(id=first.id, created=first.created, model=first.model, choices=choices, usage=usage, **top)


STREAM_ONLY = frozenset({"obfuscation"})  # OpenAI's padding of each chunk: no part of the answer
WHOLE = frozenset({"id", "type", "index", "expires_at"})  # inside a delta's object: sent whole, never in pieces


def _add(fields: dict[str, Any], name: str, value: Any, *, text: bool) -> None:
    """One more piece of a field: text is appended (when `text`: a delta's refusal, reasoning or
    audio transcript come in pieces), lists are extended (annotations, logprobs' tokens), an
    object adds its fields the same way (audio), anything else replaces; a null is only kept
    while the field has no value."""
    have = fields.get(name)
    if value is None:
        fields.setdefault(name, None)
    elif text and isinstance(value, str) and isinstance(have, str) and name not in WHOLE:
        fields[name] = have + value
    elif isinstance(value, list) and isinstance(have, list):
        fields[name] = have + value
    elif isinstance(value, dict) and isinstance(have, dict):
        merged = dict(have)
        for key, item in value.items():
            _add(merged, key, item, text=text)
        fields[name] = merged
    else:
        fields[name] = value


def _add_call(calls: dict[int, dict[str, Any]], delta: ToolCallDelta) -> None:
    parts = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": []})
    if delta.id:
        parts["id"] = delta.id
    function = delta.function or {}
    if function.get("name"):
        parts["name"] = function["name"]
    if function.get("arguments"):
        parts["arguments"].append(function["arguments"])


def _call(parts: dict[str, Any]) -> ToolCall:
    arguments = "".join(parts["arguments"])
    return ToolCall(id=parts["id"], type="function", function=FunctionCall(name=parts["name"], arguments=arguments))
