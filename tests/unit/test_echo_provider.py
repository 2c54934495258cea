"""The demo echo model answers every choice asked for, streamed or not."""

from __future__ import annotations

import asyncio

from providers.base import CallOptions
from providers.canonical import ChatCompletionRequest
from providers.echo import EchoProvider


def test_a_stream_with_two_choices_streams_both_to_their_end() -> None:
    request = ChatCompletionRequest.model_validate(
        {"model": "echo", "messages": [{"role": "user", "content": "hello there friend"}], "n": 2, "stream": True}
    )

    async def collect() -> tuple[dict[int, str], dict[int, str | None], int]:
        texts: dict[int, str] = {}
        ends: dict[int, str | None] = {}
        completion_tokens = 0
        async for chunk in EchoProvider().chat_stream(request, CallOptions("t")):
            for choice in chunk.choices:
                texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
                ends[choice.index] = choice.finish_reason or ends.get(choice.index)
            if chunk.usage is not None:
                completion_tokens = chunk.usage.completion_tokens
        return texts, ends, completion_tokens

    texts, ends, completion_tokens = asyncio.run(collect())
    assert texts == {0: "hello there friend", 1: "hello there friend"}
    assert ends == {0: "stop", 1: "stop"}
    assert completion_tokens == 6
