"""A model's reasoning is checked with its answer: what the caller would see of it (OpenAI's
``reasoning_content``, Anthropic's thinking blocks) is masked as the answer is, dropped with a
blocked answer, and in a stream released before the answer's first text, masked across chunks."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.guardrails import stream
from gateway.guardrails.compiled import CompiledGuardrail, compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.stream import StreamGuard
from gateway.guardrails.texts import output_units, replace_output
from providers.canonical import ChatCompletion, ChatCompletionChunk, ChunkChoice, Delta

CARD = "4111 1111 1111 1111"


def _guardrail(card_action: str) -> CompiledGuardrail:
    definition = GuardrailDefinition.model_validate(
        {
            "name": "g",
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "Withheld.",
            "sensitiveInformationPolicyConfig": {
                "piiEntitiesConfig": [
                    {"type": "EMAIL", "action": "ANONYMIZE"},
                    {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": card_action},
                ]
            },
        }
    )
    return compile_guardrail("g", "DRAFT", definition, Resources())


def _completion(message: dict[str, Any]) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "c",
            "created": 0,
            "model": "m",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}],
        }
    )


def _checked(completion: ChatCompletion, guardrail: CompiledGuardrail) -> ChatCompletion:
    outcome = asyncio.run(apply(guardrail, Side.OUTPUT, output_units(completion)))
    if outcome.intervened:
        replace_output(completion, outcome.outputs, outcome.blocked)
    return completion


def test_an_answers_reasoning_is_masked_as_its_text_is() -> None:
    completion = _completion({"content": "Done.", "reasoning_content": "The user is bob@corp.com, I think."})
    message = _checked(completion, _guardrail("ANONYMIZE")).choices[0].message
    assert message.content == "Done."
    assert message.model_extra == {"reasoning_content": "The user is {EMAIL}, I think."}


def test_a_blocked_answer_keeps_none_of_its_reasoning() -> None:
    completion = _completion({"content": "Fine.", "reasoning": f"Their card is {CARD}."})
    choice = _checked(completion, _guardrail("BLOCK")).choices[0]
    assert choice.message.content == "Withheld." and choice.finish_reason == "content_filter"
    assert "reasoning" not in (choice.message.model_extra or {})


def test_a_thinking_block_whose_text_is_masked_loses_its_signature_and_an_untouched_one_keeps_it() -> None:
    blocks = [
        {"type": "thinking", "thinking": "Nothing to hide here.", "signature": "sig-1"},
        {"type": "thinking", "thinking": "Mail ann@corp.com later.", "signature": "sig-2"},
    ]
    message = _checked(_completion({"content": "Ok.", "thinking_blocks": blocks}), _guardrail("ANONYMIZE"))
    kept = (message.choices[0].message.model_extra or {})["thinking_blocks"]
    assert kept[0] == blocks[0]
    assert kept[1] == {"type": "thinking", "thinking": "Mail {EMAIL} later.", "signature": ""}


def _streamed(guardrail: CompiledGuardrail, mode: str, reasoning: str, answer: str, size: int) -> list[Delta]:
    async def check(before: str, text: str) -> stream.Verdict:
        return stream.verdict([await apply(guardrail, Side.OUTPUT, [TextUnit(before + text)])], 0, len(before))

    def chunk(delta: Delta, finish: str | None = None) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id="c", created=0, model="m", choices=[ChunkChoice(delta=delta, finish_reason=finish)]
        )

    async def scenario() -> list[Delta]:
        guard = StreamGuard(check, mode)
        pieces = [chunk(Delta(reasoning_content=reasoning[i : i + size])) for i in range(0, len(reasoning), size)]  # type: ignore[call-arg]
        pieces += [chunk(Delta(content=answer[i : i + size])) for i in range(0, len(answer), size)]
        pieces.append(chunk(Delta(), "stop"))
        sent: list[Delta] = []
        for piece in pieces:
            for out in await guard.process(piece):
                sent += [c.delta for c in out.choices]
        return sent

    return asyncio.run(scenario())


def _said(deltas: list[Delta]) -> tuple[str, str]:
    thought = "".join((d.model_extra or {}).get("reasoning_content") or "" for d in deltas)
    return thought, "".join(d.content or "" for d in deltas)


def test_a_streams_reasoning_is_masked_across_chunks_and_released_before_the_answer() -> None:
    reasoning = "Let me think. " * 30 + "The address is bob@corp.com and that is all. " + "More thinking. " * 5
    for size in (1, 4, 13):
        deltas = _streamed(_guardrail("ANONYMIZE"), "sync", reasoning, "The answer is 42.", size)
        thought, answer = _said(deltas)
        assert thought == reasoning.replace("bob@corp.com", "{EMAIL}") and answer == "The answer is 42."
        first_text = next(i for i, d in enumerate(deltas) if d.content)
        assert not any((d.model_extra or {}).get("reasoning_content") for d in deltas[first_text:]), size


def test_a_card_in_a_streams_reasoning_ends_it_blocked_in_either_mode() -> None:
    for mode in ("sync", "async"):
        deltas = _streamed(_guardrail("BLOCK"), mode, f"I will use {CARD} for this. ", "Paid.", 5)
        thought, answer = _said(deltas)
        assert answer.endswith("Withheld."), mode
        if mode == "sync":
            assert "4111" not in thought


def test_a_delta_carrying_the_last_reasoning_and_the_first_text_keeps_the_reasoning_in_order() -> None:
    guardrail = _guardrail("ANONYMIZE")

    async def check(before: str, text: str) -> stream.Verdict:
        return stream.verdict([await apply(guardrail, Side.OUTPUT, [TextUnit(before + text)])], 0, len(before))

    reasoning = [f"step {n} of the plan, mail bob@corp.com about it, then go on thinking. " * 2 for n in range(4)]

    async def scenario() -> list[Delta]:
        guard = StreamGuard(check, "sync")
        deltas = [Delta(reasoning_content=part) for part in reasoning[:-1]]  # type: ignore[call-arg]
        deltas.append(Delta(reasoning_content=reasoning[-1], content="The answer."))  # type: ignore[call-arg]
        sent: list[Delta] = []
        for number, delta in enumerate(deltas):
            finish = "stop" if number == len(deltas) - 1 else None
            chunk = ChatCompletionChunk(
                id="c", created=0, model="m", choices=[ChunkChoice(delta=delta, finish_reason=finish)]
            )
            for out in await guard.process(chunk):
                sent += [c.delta for c in out.choices]
        return sent

    thought, answer = _said(asyncio.run(scenario()))
    assert thought == "".join(reasoning).replace("bob@corp.com", "{EMAIL}") and answer == "The answer."
