"""A sync stream guarded by several masking guardrails in turn sends, however its chunks fall, exactly
the text the same guardrails make of the whole answer (gateway/guardrails/stream_masks.py): the
second guardrail's matches are places in the text the first one masked, a match is never cut in
two, and a guardrail may even match the placeholder another one wrote."""

from __future__ import annotations

import asyncio
import random

import pytest

from gateway.guardrails import stream
from gateway.guardrails.assessment import Outcome
from gateway.guardrails.compiled import CompiledGuardrail, compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.stream import StreamGuard
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta


def _guardrail(name: str, regexes: list[tuple[str, str, str]], pii: list[str] = ()) -> CompiledGuardrail:  # type: ignore[assignment]
    definition = GuardrailDefinition.model_validate(
        {
            "name": name,
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "Withheld.",
            "sensitiveInformationPolicyConfig": {
                "piiEntitiesConfig": [{"type": t, "action": "ANONYMIZE"} for t in pii] or None,
                "regexesConfig": [{"name": n, "pattern": p, "action": a} for n, p, a in regexes],
            },
        }
    )
    return compile_guardrail(name, "DRAFT", definition, Resources())


FIRST = _guardrail(
    "first",
    [
        ("order", r"ORDER-\d{4}", "ANONYMIZE"),
        ("code", r"\bX\d\b", "ANONYMIZE"),
        ("card", r"\b\d{4} \d{4} \d{4} \d{4}\b", "ANONYMIZE"),  # spaces inside; no context decides it
    ],
    ["EMAIL"],
)
SECOND = _guardrail(
    "second",
    [
        ("a-much-longer-placeholder", r"\bann\b", "ANONYMIZE"),
        ("o", r"\{order\}", "ANONYMIZE"),  # the first guardrail's own placeholder
        ("fox", r"brown fox jumps over", "ANONYMIZE"),  # spaces inside: a release may fall in it
        ("tail", r"der\} to the", "ANONYMIZE"),  # starts inside the first guardrail's placeholder
        ("seen", r"lazy dog again", "NONE"),  # reported only: masks nothing
    ],
)
PIECES = [
    "Mail ann@corp.com about ORDER-1234 today. ",
    "ann said X1 and X2 are fine. ",
    "The quick brown fox jumps over the lazy dog again and again. ",
    "ORDER-5678ORDER-9999 back to back. ",
    "Ask ann or ben at ben@corp.org now. ",
    "Card 4111 1111 1111 1111 is on file. ",
    "Send ORDER-4321 to the depot. ",
]


async def _chain(text: str, guardrails: tuple[CompiledGuardrail, ...]) -> tuple[list[Outcome], str]:
    outcomes = []
    for guardrail in guardrails:
        outcome = await apply(guardrail, Side.OUTPUT, [TextUnit(text)])
        outcomes.append(outcome)
        if outcome.anonymized:
            text = outcome.outputs[0]
    return outcomes, text


def _streamed(answer: str, cuts: list[int], guardrails: tuple[CompiledGuardrail, ...]) -> str:
    async def check(before: str, text: str) -> stream.Verdict:
        outcomes, _ = await _chain(before + text, guardrails)
        return stream.verdict(outcomes, 0, len(before))

    async def scenario() -> str:
        guard = StreamGuard(check, "sync")
        bounds = [0, *cuts, len(answer)]
        sent = ""
        for number, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
            last = number == len(bounds) - 2
            chunk = ChatCompletionChunk(
                id="c",
                created=0,
                model="m",
                choices=[ChunkChoice(delta=Delta(content=answer[start:end]), finish_reason="stop" if last else None)],
            )
            for out in await guard.process(chunk):
                sent += "".join(c.delta.content or "" for c in out.choices)
        return sent

    return asyncio.run(scenario())


@pytest.mark.parametrize("guardrails", [(FIRST, SECOND), (SECOND, FIRST), (FIRST,), (SECOND,)])
def test_a_stream_is_masked_as_the_whole_answer_however_its_chunks_fall(
    guardrails: tuple[CompiledGuardrail, ...],
) -> None:
    generator = random.Random(7)
    for attempt in range(40):
        answer = "".join(generator.choice(PIECES) for _ in range(generator.randint(4, 14)))
        _, whole = asyncio.run(_chain(answer, guardrails))
        cuts = sorted(generator.sample(range(1, len(answer)), k=min(len(answer) - 1, generator.randint(1, 60))))
        assert _streamed(answer, cuts, guardrails) == whole, (attempt, answer, cuts)


def test_the_second_guardrails_mask_of_the_first_ones_placeholder_is_kept_whole() -> None:
    answer = "Ship ORDER-1234 to ann today. " * 20
    _, whole = asyncio.run(_chain(answer, (FIRST, SECOND)))
    assert "{o}" in whole and "ORDER" not in whole and "{order}" not in whole
    for size in (1, 3, 7, 50):
        cuts = list(range(size, len(answer), size))
        assert _streamed(answer, cuts, (FIRST, SECOND)) == whole
