"""A cached answer served again: as a completion or as a stream, whichever shape it was kept in.

A replay gets a fresh id (OpenAI clients take ids as unique per response) and keeps the original
``created`` (when the answer was made; the ``age`` header says how long ago). A stream kept as
chunks replays chunk for chunk, its usage chunk last (the relay hides it from callers that did not
ask for usage); a completion asked for as a stream becomes one content chunk per choice, then the
finish reasons, then the usage; a stream asked for as a completion is joined back into one.
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
    """A completion as the chunks a stream of it would have sent."""
    completion = ChatCompletion.model_validate_json(body)
    ident, created, model = completion.id, completion.created, completion.model
    chunks = []
    for choice in completion.choices:
        message = choice.message
        delta = Delta(role="assistant", content=message.content)
        if message.tool_calls:
            delta.tool_calls = [
                ToolCallDelta(index=k, id=c.id, type="function", function=c.function.model_dump())
                for k, c in enumerate(message.tool_calls)
            ]
        chunks.append(ChatCompletionChunk(id=ident, created=created, model=model, choices=[_choice(choice, delta)]))
    ends = [ChunkChoice(index=c.index, delta=Delta(), finish_reason=c.finish_reason) for c in completion.choices]
    chunks.append(ChatCompletionChunk(id=ident, created=created, model=model, choices=ends))
    if completion.usage is not None:
        chunks.append(ChatCompletionChunk(id=ident, created=created, model=model, choices=[], usage=completion.usage))
    return chunks


def _choice(choice: Choice, delta: Delta) -> ChunkChoice:
    return ChunkChoice(index=choice.index, delta=delta)


def joined(chunks: list[ChatCompletionChunk]) -> ChatCompletion:
    """A stream's chunks joined into the completion they make (text and tool calls per choice)."""
    texts: dict[int, list[str]] = {}
    calls: dict[int, dict[int, dict[str, Any]]] = {}
    finishes: dict[int, str | None] = {}
    usage = None
    for chunk in chunks:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            texts.setdefault(choice.index, [])
            if choice.delta.content:
                texts[choice.index].append(choice.delta.content)
            for delta in choice.delta.tool_calls or ():
                _add_call(calls.setdefault(choice.index, {}), delta)
            if choice.finish_reason is not None:
                finishes[choice.index] = choice.finish_reason
    choices = []
    for index in sorted(texts):
        message = AssistantMessage(content="".join(texts[index]) or None)
        if calls.get(index):
            message.tool_calls = [_call(parts) for _, parts in sorted(calls[index].items())]
        choices.append(Choice(index=index, message=message, finish_reason=finishes.get(index)))
    first = chunks[0]
    return ChatCompletion(id=first.id, created=first.created, model=first.model, choices=choices, usage=usage)


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
