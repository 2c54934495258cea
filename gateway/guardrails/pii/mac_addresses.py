"""MAC addresses: six hex pairs joined by one separator (colons or dashes), or Cisco's three dotted
groups of four; not the tail of a longer hex run, not broadcast or unset, not a documentation MAC."""

from __future__ import annotations

import re

from gateway.guardrails.pii.detector import Detector
from gateway.guardrails.pii.documented_values import documentation_mac
from gateway.guardrails.pii.scan import Finding, Scan, found

MAC = "MAC_ADDRESS"


def _mac(match: re.Match[str], scan: Scan) -> Finding | None:
    """The pattern starts at the first separator: the first two hex digits are read before it."""
    start = match.start() - 2
    if start < 0 or not all(c in _HEX for c in scan.text[start : match.start()]):
        return None
    if start > 0 and (scan.text[start - 1].isalnum() or _longer_run(scan.text, start)):
        return None
    if _NO_DEVICE.fullmatch(re.sub(r"[:.-]", "", scan.text[start : match.end()])):
        return None  # ff:ff:ff:ff:ff:ff, 00:00:00:00:00:00: broadcast and unset, no device's address
    if documentation_mac(scan, scan.text[start : match.end()]):
        return None  # 00:00:5e:00:53:01, "RFC 7042 documentation MAC"
    return found(MAC, start, match.end())


_RUN_BEFORE = re.compile(r"(?:[:.-][0-9A-Fa-f]{1,4}[:.-]|(?<![\w])[0-9A-Fa-f]*\d[0-9A-Fa-f]*[:.-])\Z")


def _longer_run(text: str, start: int) -> bool:
    """Whether a separator ends a longer hex run before the value ("client-id=1:58:CC:..."); after
    "MAC:" or a full-width colon it is a label's."""
    return start > 0 and text[start - 1] in ":-." and _RUN_BEFORE.search(text, max(0, start - 8), start) is not None


def _cisco_mac(match: re.Match[str], scan: Scan) -> Finding | None:
    start = match.start() - 4
    if start < 0 or not all(c in _HEX for c in scan.text[start : match.start()]):
        return None
    if start > 0 and (scan.text[start - 1].isalnum() or _longer_run(scan.text, start)):
        return None
    if _NO_DEVICE.fullmatch(scan.text[start : match.end()].replace(".", "")):
        return None  # ffff.ffff.ffff: the broadcast address in a MAC table
    return found(MAC, start, match.end())


_NO_DEVICE = re.compile(r"(?i)f{12}|0{12}")


_HEX = frozenset("0123456789abcdefABCDEF")

# Six hex pairs joined by one separator, as the pattern below needs them: each search skips to its
# separator in C, where the pattern's own first step (a set of two) is tried at every character.
_COLON_RUN = re.compile(r":[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){4}")
_HYPHEN_RUN = re.compile(r"-[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){4}")


DETECTORS = (
    Detector(
        (MAC,),
        # not a longer run of the same separator; another may follow ("9C-D1-01-A8-FC-95:eduroam", RADIUS's MAC:SSID)
        re.compile(r"([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}(?!\w|\1\w|\w?[:-][0-9A-Fa-f]{2}\b)"),
        _mac,
        lambda scan: _COLON_RUN.search(scan.text) is not None or _HYPHEN_RUN.search(scan.text) is not None,
    ),
    Detector((MAC,), re.compile(r"\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.-]?\w)"), _cisco_mac),
)
