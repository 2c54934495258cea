"""Output guardrails on a stream: in sync mode nothing unsafe leaves (a match split over chunks is
masked whole, a blocked word ends the stream with the blocked message); in async mode text flows at
once and a violation cuts the stream with a well-formed end."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from gateway.guardrails import stream
from gateway.guardrails.assessment import PII, Detection
from gateway.guardrails.compiled import CompiledGuardrail
from gateway.guardrails.definition import GuardrailDefinition, Side
from gateway.guardrails.engine import apply
from gateway.guardrails.policies import words
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.stream import StreamGuard
from providers.canonical import ChatCompletionChunk, ChunkChoice, Delta

CARD = re.compile(r"\b(?:\d[ -]?){15}\d\b")


@dataclass(frozen=True)
class MaskCards:
    """A stand-in PII check: card-like numbers, anonymized as {CREDIT_DEBIT_CARD_NUMBER}."""

    policy: str = "sensitiveInformationPolicy"

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        return [
            Detection(
                PII,
                {"match": m.group(0), "type": "CREDIT_DEBIT_CARD_NUMBER"},
                "ANONYMIZED",
                (i, m.start(), m.end()),
                "{CREDIT_DEBIT_CARD_NUMBER}",
            )
            for i, u in enumerate(units)
            for m in CARD.finditer(u.text)
        ]


def _guardrail() -> CompiledGuardrail:
    definition = GuardrailDefinition.model_validate(
        {
            "name": "g",
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "Sorry, I cannot say that.",
            "wordPolicyConfig": {"wordsConfig": [{"text": "project nightingale"}]},
        }
    )
    output = (*words.checks(definition.wordPolicyConfig, Side.OUTPUT, Resources()), MaskCards())  # type: ignore[arg-type]
    return CompiledGuardrail("g", "DRAFT", definition, (), output)


def _guard(mode: str) -> StreamGuard:
    guardrail = _guardrail()

    async def check(before: str, text: str) -> stream.Verdict:
        return stream.verdict([await apply(guardrail, Side.OUTPUT, [TextUnit(before + text)])], 0, len(before))

    return StreamGuard(check, mode)


def _chunk(text: str, finish: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id="c", created=0, model="m", choices=[ChunkChoice(delta=Delta(content=text), finish_reason=finish)]
    )


def _run(mode: str, pieces: list[str]) -> tuple[str, str | None, StreamGuard]:
    async def scenario() -> tuple[str, str | None, StreamGuard]:
        guard = _guard(mode)
        sent, finish = "", None
        for number, piece in enumerate(pieces):
            last = number == len(pieces) - 1
            for out in await guard.process(_chunk(piece, "stop" if last else None)):
                for choice in out.choices:
                    sent += choice.delta.content or ""
                    finish = choice.finish_reason or finish
            if guard.ended:
                break
        return sent, finish, guard

    return asyncio.run(scenario())


FILLER = "The weather is mild today and the forecast says it stays that way. " * 6


def test_sync_mode_masks_a_card_number_split_over_three_chunks() -> None:
    pieces = [FILLER, "my card is 4111 11", "11 1111 ", "1111 thanks. ", FILLER]
    sent, finish, _ = _run("sync", pieces)
    assert "{CREDIT_DEBIT_CARD_NUMBER}" in sent
    assert "4111" not in sent and "1111 1111" not in sent
    assert sent.replace("{CREDIT_DEBIT_CARD_NUMBER}", "4111 1111 1111 1111") == "".join(pieces)
    assert finish == "stop"


def test_sync_mode_ends_with_the_blocked_message_and_nothing_unsafe_leaves() -> None:
    pieces = [FILLER, "the codename is project ", "nightingale and more", FILLER]
    sent, finish, guard = _run("sync", pieces)
    assert "nightingale" not in sent
    assert sent.endswith("Sorry, I cannot say that.")
    assert finish == "content_filter" and guard.ended


def test_a_violation_in_the_last_chunk_is_caught_before_the_stream_ends() -> None:
    sent, finish, _ = _run("sync", ["short answer about project nightingale"])
    assert sent == "Sorry, I cannot say that." and finish == "content_filter"


def test_async_mode_streams_at_once_and_cuts_the_stream_on_a_violation() -> None:
    pieces = [FILLER, "project nightingale is the secret", FILLER, FILLER, FILLER]
    sent, finish, guard = _run("async", pieces)
    assert sent.startswith(FILLER + "project nightingale"), "text left at once"
    assert finish == "content_filter" and guard.ended
    assert sent.endswith("Sorry, I cannot say that."), "the stream ends with the blocked message"
    assert sent.count(FILLER) < 4, "the chunks after the violation were not sent"


def test_async_mode_checks_a_short_answer_before_it_ends() -> None:
    """A short answer (shorter than any window) is still checked; its end is the blocked message."""
    sent, finish, guard = _run("async", ["short answer about project nightingale"])
    assert finish == "content_filter" and guard.ended
    assert sent.endswith("Sorry, I cannot say that.")


def test_async_mode_finds_a_violation_across_two_checks() -> None:
    """Checks run one at a time on what came since the last; the overlap keeps a phrase whole."""

    async def scenario() -> tuple[str, str | None]:
        guard = _guard("async")
        sent, finish = "", None
        filler = " words that are fine" * 6  # past the async window: a check starts
        pieces = [filler + " project ", "nightingale", filler, filler, " j k l"]
        for number, piece in enumerate(pieces):
            await asyncio.sleep(0)  # the upstream's pace: a background check gets its turn
            last = number == len(pieces) - 1
            for out in await guard.process(_chunk(piece, "stop" if last else None)):
                sent += "".join(c.delta.content or "" for c in out.choices)
                finish = out.choices[0].finish_reason or finish
            if guard.ended:
                break
        return sent, finish

    sent, finish = asyncio.run(scenario())
    assert finish == "content_filter"
    assert sent.endswith("Sorry, I cannot say that.") and " j k l" not in sent


def test_sync_mode_releases_whole_words_before_a_later_block() -> None:
    words_ = " ".join(f"word{i}" for i in range(80)) + " "
    sent, finish, _ = _run("sync", [words_, "and then project nightingale"])
    assert finish == "content_filter"
    released = sent.removesuffix("\n\nSorry, I cannot say that.")
    assert released.endswith(" ") and released.split()[-1] in words_.split()


def test_clean_text_passes_unchanged_in_both_modes() -> None:
    pieces = [FILLER, "all is well", FILLER]
    for mode in ("sync", "async"):
        sent, finish, _ = _run(mode, pieces)
        assert sent == "".join(pieces) and finish == "stop", mode


def test_async_mode_checks_a_slow_models_words_as_they_come(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that sends a word at a time, slowly, is cut a word or two after the violation, not
    after the async window's 128 characters have gathered."""
    monkeypatch.setattr(stream, "ASYNC_WAIT", 0.02)
    pieces = ["The ", "codename ", "is ", "project ", "nightingale"] + [f" w{i}" for i in range(20)]

    async def scenario() -> tuple[str, str | None]:
        guard = _guard("async")
        sent, finish = "", None
        for number, piece in enumerate(pieces):
            await asyncio.sleep(0.03)  # the model's pace, slower than ASYNC_WAIT
            last = number == len(pieces) - 1
            for out in await guard.process(_chunk(piece, "stop" if last else None)):
                sent += "".join(c.delta.content or "" for c in out.choices)
                finish = out.choices[0].finish_reason or finish
            if guard.ended:
                break
        return sent, finish

    sent, finish = asyncio.run(scenario())
    assert finish == "content_filter"
    assert " w3" not in sent, sent


def test_async_modes_blocked_message_starts_on_its_own_line_after_a_cut_word() -> None:
    sent, finish, _ = _run("async", [FILLER + "project nightingale indeed", " and more", " stuff"])
    assert finish == "content_filter"
    assert sent.endswith("indeed and more\n\nSorry, I cannot say that.")


@pytest.mark.parametrize(
    "pieces",
    [
        [FILLER + "project nightingale indeed ", "and more ", "stuff "],
        [FILLER + "project nightingale indeed\n", "more\n", "stuff\n"],
        [FILLER + "project nightingale.\n\n", "More.\n\n", "End.\n\n"],
    ],
    ids=["after a space", "after a newline", "after a blank line"],
)
def test_async_modes_blocked_message_is_on_a_line_of_its_own_however_the_text_before_ends(pieces: list[str]) -> None:
    sent, finish, _ = _run("async", pieces)
    assert finish == "content_filter"
    before, _, message = sent.rpartition("Sorry, I cannot say that.")
    assert message == "" and before.endswith("\n\n") and not before.endswith("\n\n\n"), repr(sent[-60:])
