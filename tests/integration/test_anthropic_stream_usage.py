"""An Anthropic stream's message_start carries the prompt's token count, as Anthropic's does
(LangChain and other clients read it there), even though an OpenAI-style upstream says it only
at the end; the final message's usage agrees."""

from __future__ import annotations

import anthropic

from tests.fakes.upstream import FakeUpstream
from tests.support.gateway import RunningGateway

HELLO = [{"role": "user", "content": "Say hello to everyone in the room, please."}]


def test_message_start_carries_the_prompts_token_count(upstream: FakeUpstream, shared_gateway: RunningGateway) -> None:
    with anthropic.Anthropic(
        base_url=shared_gateway.base_url, api_key=shared_gateway.master_key, max_retries=0, timeout=10
    ) as client:
        with client.messages.stream(model="gpt-test", max_tokens=50, messages=HELLO) as stream:  # type: ignore[arg-type]
            events = list(stream)
            final = stream.get_final_message()
    start = next(e for e in events if e.type == "message_start")
    assert start.message.usage.input_tokens > 0
    assert final.usage.input_tokens > 0 and final.usage.output_tokens > 0
