"""Custom regexes skip texts that lack a literal every match must contain, and never skip a match."""

from __future__ import annotations

import asyncio
import random
import re

import pytest

from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.policies import regexes
from gateway.guardrails.policies.base import TextUnit
from gateway.guardrails.policies.literals import required_literal


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"\b[a-z0-9-]+\.corp\.internal\b", ".corp.internal"),
        (r"\bEMP-\d{6}\b", "EMP-"),
        (r"x(abc)?yzw", "yzw"),
        (r"(?i)secret-\d+", None),  # case folding: no literal to test for
        (r"abc|defg", None),  # a branch: neither side is in every match
        (r"(abcd)+", None),  # inside a group
        (r"ab\d", None),  # too short to be worth it
        (r"a.{0,3}bcd", "bcd"),
    ],
)
def test_the_literal_is_the_longest_run_every_match_contains(pattern: str, literal: str | None) -> None:
    assert required_literal(re.compile(pattern)) == literal


def test_the_prefilter_never_skips_a_text_the_pattern_matches() -> None:
    rng = random.Random(7)
    alphabet = "abcdEMP-0123456789.corpinternal _"
    patterns = [r"\bEMP-\d{2}\b", r"[a-z]+\.corp\b", r"c(or)?pin", r"\d{2}-[a-d]+al", r"ab.?cd", r"in(te)*rnal_"]
    for text in ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20000)):
        for source in patterns:
            pattern = re.compile(source)
            literal = required_literal(pattern)
            if literal is not None and pattern.search(text):
                assert literal in text, (source, text)


def test_a_custom_regex_still_finds_its_matches_and_skips_texts_without_its_literal() -> None:
    config = SensitiveInformationPolicyConfig(
        regexesConfig=[{"name": "host", "pattern": r"\b[a-z0-9-]+\.corp\.internal\b", "action": "ANONYMIZE"}]
    )
    check = regexes.check(config, Side.INPUT)
    assert check is not None and check.regexes[0].literal == ".corp.internal"
    found = asyncio.run(check.detect([TextUnit("ssh to build-7.corp.internal now"), TextUnit("no host here")]))
    assert [(d.entry["match"], d.span) for d in found] == [("build-7.corp.internal", (0, 7, 28))]
