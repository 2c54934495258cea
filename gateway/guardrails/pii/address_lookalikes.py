"""Dotted quads that are no one's address: versions ("upgraded from 2.14.1.0", a line listing
"16.0.17726.20160"), and subnet masks (255.255.255.0)."""

from __future__ import annotations

import re

from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lines

_NO_ADDRESS = re.compile(r"\b\d+(?:\.\d+){3,}\b")


def among_versions(text: str, start: int) -> bool:
    """Whether the line lists versions: another dotted run that no address is ("16.0.17726.20160").
    Read once per line: a line of 10,000 quads asks 10,000 times."""
    return lines.line_fact(text, start, "versions", lambda low, high: _lists_versions(text, low, high))


def _lists_versions(text: str, start: int, end: int) -> bool:
    for run in _NO_ADDRESS.finditer(text, start, end):
        parts = run.group().split(".")
        if len(parts) > 4 or any(int(part) > 255 for part in parts):
            return True
    return False


_STEP_AFTER = re.compile(r"[ \t]*(?:→|->|=>|⇒|⟶)[ \t]*(\d+(?:\.\d+){3})\b")
_STEP_BEFORE = re.compile(r"\b(\d+(?:\.\d+){3})[ \t]*(?:→|->|=>|⇒|⟶)[ \t]*\Z")


def version_step(text: str, start: int, end: int) -> bool:
    """Whether an arrow joins the value to another version-like quad: "firmware 3.1.0.22 → 3.1.2.4"
    is an upgrade, whatever the line calls the device (an address range is written with "to")."""
    after = _STEP_AFTER.match(text, end)
    before = _STEP_BEFORE.search(text, max(0, start - 24), start)
    return any(m is not None and version_like(m.group(1)) for m in (after, before))


_UPGRADED_FROM_TO = re.compile(
    r"(?i:\b(?:upgrad|downgrad|updat)\w*)[^\n]{0,48}?"
    r"(?:\bfrom[ \t]+(?:(?i:version|ver\.?|v|release|build)[ \t]*)?(?P<old>\d+(?:\.\d+){3})"
    r"[ \t]+to[ \t]+(?:(?i:version|ver\.?|v|release|build)[ \t]*)?(?P<new>\d+(?:\.\d+){3})"
    r"|\b(?P<next>\d+(?:\.\d+){3})[ \t]+(?i:replaces|supersedes)[ \t]+(?P<last>\d+(?:\.\d+){3}))\b"
)


_UPGRADE_WORD = re.compile(r"(?i:\b(?:upgrad|downgrad|updat))")
_UPGRADE_REACH = 200  # a phrase joining a quad: its upgrade word at most 48 characters and a quad away


def upgraded_from_to(text: str, start: int) -> bool:
    """Whether the value is one end of "upgraded the agent from 10.2.14.3 to 10.2.15.0" ("from version
    10.2.3.4 to 10.2.4.0" too, or "Upgrade notes: agent 10.4.12.7 replaces 10.4.11.29"): two quads
    an upgrade joins are versions, even those starting 10 (which ``version_like`` keeps as
    addresses; a server moved "from 10.0.1.12 to 10.0.1.40" is migrated, not upgraded)."""
    line_start, line_end = lines.line_bounds(text, start)
    if not lines.line_fact(text, start, "upgrade", lambda low, high: _UPGRADE_WORD.search(text, low, high) is not None):
        return False  # most lines name no upgrade: the phrase is not looked for around each quad
    low, high = max(line_start, start - _UPGRADE_REACH), min(line_end, start + _UPGRADE_REACH)
    for match in _UPGRADED_FROM_TO.finditer(text, low, high):
        if start in (match.start("old"), match.start("new"), match.start("next"), match.start("last")):
            return True
    return False


def netmask(address: str) -> bool:
    """255.x.x.x with its ones all first (255.255.255.0, 255.255.240.0): a subnet mask."""
    bits = "".join(f"{int(octet):08b}" for octet in address.split("."))
    return bits.startswith("11111111") and "01" not in bits


def about_versions(text: str, start: int, end: int, before: bool = True) -> bool:
    """A version word in ``text[start:end]`` nearer the value than any network word: the last one
    of the window before it ("IP 192.168.30.57, firmware 2.41.0.9"; "after the upgrade, ping
    8.8.8.8" is an address), or the first of the window after it."""
    versions = [m.start() for m in ctx.VERSION_CHANGE.pattern.finditer(text, start, end)]
    if not versions:
        return False
    networks = [m.start() for m in ctx.NETWORK.pattern.finditer(text, start, end)]
    if not networks:
        return True
    return versions[-1] > networks[-1] if before else versions[0] < networks[0]


def version_like(value: str) -> bool:
    """Small octets and a public first one: how version numbers look (10.x, 127.x and 192.168.x are
    addresses whatever is said around them)."""
    octets = [int(o) for o in value.split(".")]
    return (octets[0] < 10 or all(o < 100 for o in octets)) and octets[0] not in (10, 127)
