"""From the worker's events to canonical replies: one completion, or stream chunks as they come."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import NoReturn

from providers.canonical import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Choice,
    ChunkChoice,
    Delta,
    FunctionCall,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from providers.local import protocol as wire
from providers.local.templates import ParsedCall, ToolStreamFilter, parse_tool_calls

Fail = Callable[[wire.Failed], NoReturn]


async def _accepted(inbox: asyncio.Queue[wire.Event], fail: Fail) -> int:
    """The worker's first answer: the prompt's token count, or why it was refused."""
    event = await inbox.get()
    if isinstance(event, wire.Failed):
        fail(event)
    assert isinstance(event, wire.Accepted), event
    return event.prompt_tokens


async def _next_delta(inbox: asyncio.Queue[wire.Event], fail: Fail) -> wire.Delta:
    while True:
        event = await inbox.get()
        if isinstance(event, wire.Failed):
            fail(event)
        if isinstance(event, wire.Delta):
            return event


def _usage(prompt: int, completion: int) -> Usage:
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion)


async def assemble_completion(
    request: ChatCompletionRequest, rid: int, inbox: asyncio.Queue[wire.Event], tools: bool, fail: Fail
) -> ChatCompletion:
    n = request.n or 1
    prompt = await _accepted(inbox, fail)
    texts: list[list[str]] = [[] for _ in range(n)]
    finishes: list[str | None] = [None] * n
    stops: list[str | None] = [None] * n
    generated = [0] * n
    while None in finishes:
        delta = await _next_delta(inbox, fail)
        texts[delta.index].append(delta.text)
        if delta.finish is not None:
            finishes[delta.index], generated[delta.index] = delta.finish, delta.completion_tokens
            stops[delta.index] = delta.stop
    choices = []
    for i in range(n):
        text, finish = "".join(texts[i]), finishes[i]
        content, calls = parse_tool_calls(text) if tools else (text, [])
        message = AssistantMessage(content=content)
        if calls:
            message.tool_calls = [
                ToolCall(id=c.id, type="function", function=FunctionCall(name=c.name, arguments=c.arguments))
                for c in calls
            ]
            finish = "tool_calls"
        matched = {"stop_reason": stops[i]} if stops[i] is not None and finish == "stop" else {}
        choices.append(Choice(index=i, message=message, finish_reason=finish, **matched))
    return ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=request.model,
        choices=choices,
        usage=_usage(prompt, sum(generated)),
    )


def _tool_deltas(calls: list[ParsedCall]) -> list[ToolCallDelta]:
    return [
        ToolCallDelta(index=k, id=c.id, type="function", function={"name": c.name, "arguments": c.arguments})
        for k, c in enumerate(calls)
    ]


async def stream_chunks(
    request: ChatCompletionRequest, rid: int, inbox: asyncio.Queue[wire.Event], tools: bool, fail: Fail
) -> AsyncIterator[ChatCompletionChunk]:
    """Chunks as the worker produces text; the first waits for the first token; usage comes last."""
    n = request.n or 1
    ident, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    prompt = await _accepted(inbox, fail)
    filters = [ToolStreamFilter() if tools else None for _ in range(n)]
    opened, done, generated = [False] * n, [False] * n, [0] * n

    def chunk(index: int, delta: Delta, finish: str | None = None, matched: str | None = None) -> ChatCompletionChunk:
        if not opened[index]:
            delta.role, opened[index] = "assistant", True
        extra = {"stop_reason": matched} if matched is not None else {}  # vLLM's name for the stop string
        return ChatCompletionChunk(
            id=ident,
            created=created,
            model=request.model,
            choices=[ChunkChoice(index=index, delta=delta, finish_reason=finish, **extra)],
        )

    while not all(done):
        event = await _next_delta(inbox, fail)
        i, screen = event.index, filters[event.index]
        text = screen.feed(event.text) if screen is not None else event.text
        if text:
            yield chunk(i, Delta(content=text))
        if event.finish is None:
            continue
        finish: str = event.finish
        if screen is not None:
            rest, calls = screen.finish()
            if rest:
                yield chunk(i, Delta(content=rest))
            if calls:
                yield chunk(i, Delta(tool_calls=_tool_deltas(calls)))
                finish = "tool_calls"
        yield chunk(i, Delta(), finish, event.stop if finish == "stop" else None)
        done[i], generated[i] = True, event.completion_tokens
    yield ChatCompletionChunk(
        id=ident, created=created, model=request.model, choices=[], usage=_usage(prompt, sum(generated))
    )
