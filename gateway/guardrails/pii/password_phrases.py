"""Passwords named by what was done with them rather than by the word: "I reset mine to
Escapement!Lever9", "changed it to Tr0ub4dor&3"; a second one named by its place after the first
("the old one (Maple#2023)"). Only in a text about logging in, and only a value
mixing at least three kinds of characters, as chosen passwords do ("reset it to default" and
"changed it to 2024-06-11" are no passwords)."""

from __future__ import annotations

import re

from gateway.guardrails.pii.detector import Detector, has_any, starting_with
from gateway.guardrails.pii.scan import Finding, Scan, found
from gateway.guardrails.pii.secrets import PASSWORD

_SET_TO = re.compile(
    r"(?i:reset|changed?|set|updated?)[ \t]+(?i:it|mine|my[ \t]+(?:password|pass|pw|login)|the[ \t]+password)"
    r"[ \t]+(?i:to|as)[ \t]+(?P<value>[^\s\"'`]{6,64})"
)
_LOGIN_WORDS = ("login", "log in", "logged in", "password", "locked out", "sign in", "signin", "portal", "account")
_SYMBOLS = frozenset("!@#$%^&*+=?~")  # not "-", "_" or ".", which join words and dates


def _set_password(match: re.Match[str], scan: Scan) -> Finding | None:
    start, end = match.span("value")
    while end > start and scan.text[end - 1] in ".,;:!?)":
        end -= 1
    value = scan.text[start:end]
    kinds = (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
        any(c in _SYMBOLS for c in value),
    )
    if len(value) < 6 or sum(kinds) < 3 or not value[0].isalnum():
        return None
    return found(PASSWORD, start, end)


# "... password is Otter-Lantern-54 — the old one (Maple#2023) stops working tonight": a second password
# named by its place right after the first
_OTHER_ONE = re.compile(
    r"(?i:old|previous|former|current|new|other)\s+one\s*(?:\(\s*|:\s*|(?i:was|is)\s+)(?P<value>[^\s()\"'`]{4,64})"
)
_TO_OTHER_ONE = re.compile(r"[\s—–,;(-]*(?:(?i:and|but)\s+)?(?:(?i:the)\s+)?")


def _other_password(match: re.Match[str], scan: Scan) -> Finding | None:
    if not scan.follows(match.start(), (PASSWORD,), gap=12, between=_TO_OTHER_ONE):
        return None
    return _set_password(match, scan)


DETECTORS = (
    Detector(
        (PASSWORD,),
        _SET_TO,
        _set_password,
        has_any(*_LOGIN_WORDS),
        matches=starting_with(_SET_TO, "reset", "change", "set", "update"),
    ),
    Detector(
        (PASSWORD,),
        _OTHER_ONE,
        _other_password,
        lambda scan: scan.holds(PASSWORD),
        needs=(PASSWORD,),
        matches=starting_with(_OTHER_ONE, "old", "previous", "former", "current", "new", "other"),
    ),
)
