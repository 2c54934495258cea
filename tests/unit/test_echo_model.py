"""The built-in echo model answers with the caller's last message, and stops where a model would:
at a stop sequence, at max_tokens."""

from __future__ import annotations

import asyncio

from providers.base import CallOptions
from providers.canonical import ChatCompletionRequest
from providers.echo import EchoProvider


def reply(**fields: object) -> tuple[str, str | None]:
    request = ChatCompletionRequest.model_validate(
        {"model": "echo", "messages": [{"role": "user", "content": "hello there world"}], **fields}
    )
    answer = asyncio.run(EchoProvider().chat(request, CallOptions(request_id="r")))
    return answer.choices[0].message.content or "", answer.choices[0].finish_reason


async def streamed(**fields: object) -> str:
    request = ChatCompletionRequest.model_validate(
        {"model": "echo", "messages": [{"role": "user", "content": "hello there world"}], "stream": True, **fields}
    )
    parts = [
        c.choices[0].delta.content or ""
        async for c in EchoProvider().chat_stream(request, CallOptions("r"))
        if c.choices
    ]
    return "".join(parts)


def test_the_echo_stops_before_a_stop_sequence() -> None:
    assert reply(stop=["there"]) == ("hello", "stop")
    assert reply(stop="world") == ("hello there", "stop")
    assert asyncio.run(streamed(stop=["there"])).strip() == "hello"


def test_without_a_stop_sequence_in_the_text_the_whole_message_comes_back() -> None:
    assert reply(stop=["absent"]) == ("hello there world", "stop")
    assert reply(max_tokens=2) == ("hello there", "length")
