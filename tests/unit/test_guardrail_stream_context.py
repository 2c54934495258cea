"""A sync stream masks what the whole answer's check masks even where the detectors need more than
the held window: a table's password column named only by its header line far above, and a database
URL whose password only matches once "@host" has come (a run with no space is never cut)."""

from __future__ import annotations

import asyncio
import random

import pytest

from gateway.guardrails import stream
from gateway.guardrails.compiled import CompiledGuardrail, compile_guardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.stream import Released, StreamGuard
from gateway.guardrails.stream_masks import after_context, masked_through
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta


def _guardrail(types: list[str]) -> CompiledGuardrail:
    definition = GuardrailDefinition.model_validate(
        {
            "name": "pii",
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "Withheld.",
            "sensitiveInformationPolicyConfig": {
                "piiEntitiesConfig": [{"type": t, "action": "ANONYMIZE"} for t in types]
            },
        }
    )
    return compile_guardrail("pii", "DRAFT", definition, Resources())


GUARD = _guardrail(["PASSWORD", "EMAIL"])  # no URL: a database URL is no web address, its password is PASSWORD


async def _whole(answer: str) -> str:
    outcome = await apply(GUARD, Side.OUTPUT, [TextUnit(answer)])
    return outcome.outputs[0] if outcome.anonymized else answer


def _streamed(answer: str, cuts: list[int]) -> str:
    async def check(before: str, text: str) -> stream.Verdict:
        return stream.verdict([await apply(GUARD, Side.OUTPUT, [TextUnit(before + text)])], 0, len(before))

    async def scenario() -> str:
        guard = StreamGuard(check, "sync")
        bounds = [0, *cuts, len(answer)]
        sent = ""
        for number, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
            finish = "stop" if number == len(bounds) - 2 else None
            chunk = ChatCompletionChunk(
                id="c",
                created=0,
                model="m",
                choices=[ChunkChoice(delta=Delta(content=answer[start:end]), finish_reason=finish)],
            )
            for out in await guard.process(chunk):
                sent += "".join(c.delta.content or "" for c in out.choices)
        return sent

    return asyncio.run(scenario())


CSV = "Here are the accounts:\n\nname,team,password\n" + "\n".join(
    f"user{i},ops,Hunter2Pass{i:03d}word" for i in range(30)
)
MARKDOWN = "| user | role | password |\n|------|------|----------|\n" + "\n".join(
    f"| user{i} | admin | Juniper#{i:03d}quartz$ |" for i in range(25)
)
URL = (
    "x" * 105
    + " Connect to postgres://admin:k8#Lm2$Qz9!xR4&tY7*pW3^nB6%vC1(e@db.internal:5432/app now. "
    + ("tail words " * 30)
)


@pytest.mark.parametrize("answer", [CSV, MARKDOWN, URL], ids=["csv", "markdown", "database url"])
def test_a_sync_stream_masks_what_the_whole_answer_masks_where_detectors_look_back(answer: str) -> None:
    whole = asyncio.run(_whole(answer))
    assert whole != answer  # the whole answer's check masks something
    generator = random.Random(11)
    for size in (1, 3, 17):
        assert _streamed(answer, list(range(size, len(answer), size))) == whole, size
    for _ in range(10):
        cuts = sorted(generator.sample(range(1, len(answer)), k=generator.randint(1, 80)))
        assert _streamed(answer, cuts) == whole, cuts


@pytest.mark.parametrize("prefix", range(40, 330, 6))
def test_a_database_urls_password_is_never_released_before_its_host_arrives(prefix: int) -> None:
    answer = "w " * (prefix // 2) + URL.lstrip("x ")
    whole = asyncio.run(_whole(answer))
    assert "k8#Lm2" not in whole
    assert _streamed(answer, list(range(7, len(answer), 7))) == whole


def test_a_long_run_with_no_space_is_held_until_it_ends_but_not_past_the_longest_run() -> None:
    run = "a1" * 1000
    assert stream._word_end(f"hello {run}", 1500) == len("hello ")
    assert stream._word_end(run, 1500) == 0  # nothing released: the run has not ended
    endless = "b" * (stream.LONGEST_RUN + 500)
    assert stream._word_end(endless, len(endless) - 96) == len(endless) - 96


def test_what_a_check_reads_again_is_the_blocks_head_and_the_line_so_far() -> None:
    released = Released()
    released.add("intro line\n\nname,pw\nann,")
    assert released.context() == "name,pw\nann,"
    released.add("s3cret\nbob,x\ncarl,")
    assert released.context() == "name,pw\nann,s3cret\ncarl,"
    released.add("y\n\n")
    assert released.context() == ""
    released.add("z" * 1000)
    assert released.context() == "z" * stream.LINE_SO_FAR


def test_a_mask_running_from_the_released_text_into_the_held_text_covers_its_start() -> None:
    raw = "abcdefghijkl"  # "abcde" released, "fghijkl" held
    first = [(2, 8, "{A}")]  # "cdefgh" -> "{A}": ab{A}ijkl
    second = [(2, 5, "{B}")]  # its "{A}" -> "{B}": ab{B}ijkl
    held = after_context([first, second], 5)
    assert held == [[(0, 3, "{A}")], [(0, 3, "{B}")]]
    assert masked_through(held, raw[5:]) == "{B}ijkl"
