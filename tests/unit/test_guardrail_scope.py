"""What each policy reads of a chat request: word and sensitive-information policies every
message (system prompts, earlier answers and tool results included: a card number must not reach
a model from any of them); topics and content filters what users said."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.guardrails.assessment import Detection
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies.base import TextUnit
from gateway.guardrails.texts import input_units
from providers.canonical import ChatCompletionRequest


@dataclass
class Reader:
    policy: str
    waits: bool = False
    read: list[str] = field(default_factory=list)

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        self.read += [u.text for u in units]
        return []


REQUEST = ChatCompletionRequest.model_validate(
    {
        "model": "m",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Find the order."},
            {"role": "assistant", "content": "Looking it up."},
            {"role": "tool", "tool_call_id": "c1", "content": "Order 7 for ana@example.com"},
            {"role": "user", "content": [{"type": "text", "text": "Thanks!"}]},
        ],
    }
)


def test_pattern_policies_read_every_message_and_semantic_ones_what_users_said() -> None:
    readers = [Reader("wordPolicy"), Reader("sensitiveInformationPolicy"), Reader("topicPolicy", waits=True)]
    readers.append(Reader("contentPolicy", waits=True))
    definition = GuardrailDefinition.model_validate(
        {
            "name": "g",
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "wordPolicyConfig": {"wordsConfig": [{"text": "x"}]},
        }
    )
    guardrail = CompiledGuardrail("g", "DRAFT", definition, tuple(readers), ())  # type: ignore[arg-type]
    asyncio.run(apply(guardrail, Side.INPUT, input_units(REQUEST)))
    everything = [
        "You are a helpful assistant.",
        "Find the order.",
        "Looking it up.",
        "Order 7 for ana@example.com",
        "Thanks!",
    ]
    assert readers[0].read == everything and readers[1].read == everything
    assert readers[2].read == ["Find the order.", "Thanks!"] == readers[3].read
