"""Digit runs near an account word that are no bank account: a time or a hex string, a 9-digit
number nearest a routing word, a utility's or a club's account, a reference, a cloud account."""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii.scan import Scan


def named_routing(scan: Scan, start: int) -> bool:
    """Whether the nearest of the routing and account words in the 24 characters before is routing's."""
    if not scan.mentions(ctx.ROUTING):
        return False
    low = max(0, start - 24)
    routing = [m.end() for m in ctx.ROUTING.pattern.finditer(scan.text, low, start)]
    account = [m.end() for m in ctx.ACCOUNT.pattern.finditer(scan.text, low, start)]
    return bool(routing) and (not account or routing[-1] > account[-1])


def clock_or_hex(text: str, start: int, end: int) -> bool:
    """Whether the digits are read out of a time ("09:02:11 2025" from its "11", "2025 09:02") or a
    hex string ("68-77-95" of "68-77-95-C3-E8-53")."""
    before, after = text[max(0, start - 2) : start], text[end : end + 3]
    if len(before) == 2 and before[1] == ":" and before[0].isdigit():
        return True
    if len(after) == 3 and after[0] in "-:" and all(c in _HEX_DIGITS for c in after[1:]):
        return after[0] == ":" and after[1:].isdigit() or any(c.isalpha() for c in after[1:])
    return False


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
# An account that a utility, a funeral home, a tax office or a club keeps, named right before the number.
OTHER_ACCOUNT = re.compile(
    r"(?i)\b(?:service|utility|funeral|employer'?s|loyalty|billing|water|electric(?:ity)?|player|patient|student"
    r"|frequent[ \t]+fl(?:y|i)er|mileage|rewards?|customer|rider|driver|gamer|guest"
    r"|subscriber|subscription|member(?:ship)?|gas|energy|internet|broadband)(?:[ \t]+bill[ \t]*[—–:,-]?)?[ \t]+account"
    r"(?:[ \t]+(?:no\.?|number|#|id))?[ \t]*(?:\([^()\n]{0,40}\)[ \t]*)?(?:[:#.]|[ \t]is)?[ \t]*\Z"
)
REFERENCE_BEFORE = re.compile(
    r"(?i)\b(?:ref\.?|reference|file ref\.?|invoice|ticket|case|incorporation|corporation|company|registration"
    r"|meter(?:[ \t]+id)?|sort[ \t]+code)"
    r"[ \t]*(?:no\.?|#|:|number)?[ \t]*\Z"
)
CLOUD_ACCOUNT = re.compile(r"(?i)(?:\baws\b[^\n\d]{0,16}|::)\Z")
