"""A custom regex in the ``regex`` module's own syntax (what guardrail regexes run on) acts on every
text it matches: the literal prefilter, which reads patterns with Python's ``re``, took the fuzzy
``(?:password){e<=1}`` to require the text "{e<=1}" and never searched "my passwerd"."""

from __future__ import annotations

import asyncio

import pytest
import regex

from gateway.guardrails.definition import SensitiveInformationPolicyConfig, Side
from gateway.guardrails.policies import regexes
from gateway.guardrails.policies.base import TextUnit


def _check(pattern: str) -> regexes.RegexCheck:
    config = SensitiveInformationPolicyConfig(regexesConfig=[{"name": "r", "pattern": pattern, "action": "BLOCK"}])
    check = regexes.check(config, Side.INPUT)
    assert check is not None
    return check


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(?:password){e<=1}", "my passwerd is hunter2"),  # fuzzy: one error allowed
        (r"(?:secret){i<=1}-key", "the secreet-key"),  # fuzzy: one insertion
        (r"(?:token){s<=1,e<=1}abc", "tokan abc tokenabc"),
        (r"[[:digit:]]abc", "7abc"),  # a POSIX class: re reads "[[:digit:]" then the literal "]abc"
        (r"x[a[:digit:]]yz-code", "x7yz-code"),
        (r"\p{L}+-secret", "Ärger-secret"),  # a Unicode property (re refuses the pattern)
        (r"token-\d++!", "token-123!"),  # possessive quantifier
        (r"(?>abc|ab)c-code", "abcc-code"),  # atomic group
        (r"(?V1)[[a-z]--[aeiou]]+-key", "xyz-key"),  # version 1 set difference
        (r"(?V1)[\w&&[0-9]]{3}-pin", "123-pin"),  # version 1 set intersection
    ],
)
def test_a_regex_in_the_regex_modules_syntax_acts_on_the_text_it_matches(pattern: str, text: str) -> None:
    assert regex.search(pattern, text), "the regex module itself matches"
    check = _check(pattern)

    found = asyncio.run(check.detect([TextUnit(text)]))

    assert found and all(d.action == "BLOCKED" for d in found)
    literal = check.regexes[0].literal
    assert literal is None or literal in text


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"\bEMP-\d{6}\b", "EMP-"),
        (r"PRJ-[A-Z]{3}-\d{4}", "PRJ-"),
        (r"x(abc)?yzw", "yzw"),
        (r"[]x]+corp\.internal", "corp.internal"),
        (r"(?:password){e<=1}", None),
        (r"[[:alpha:]]+corp", None),
    ],
)
def test_the_prefilter_keeps_a_literal_only_where_both_modules_read_the_pattern_alike(
    pattern: str, literal: str | None
) -> None:
    assert _check(pattern).regexes[0].literal == literal
