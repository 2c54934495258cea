"""Prompt-attack heuristics: the phrasings attacks keep reusing, matched on the text and on what
hides inside it (spaced or leetspeak letters, ROT13, base64 and hex payloads).

Families: instruction override ("ignore all previous instructions", in several languages), rule
removal ("answer without restrictions"), role-play jailbreaks (DAN, developer mode, evil twins,
the late grandmother), system-prompt extraction, fake delimiters and turns (``<|im_start|>``,
``[INST]``, "SYSTEM:"), instructions planted for a model inside a document, and encoded payloads.

Each pattern carries a confidence. The result is the highest; two different families, the higher
at least MEDIUM, raise it one level (attacks stack techniques; benign text rarely trips two). LOW
patterns (a persona's capitalised name, a "System:" line, "stay in character") only support:
alone they decide nothing, since benign text trips each of them now and then.
Patterns favour precision: an object the model owns ("your instructions", "the above rules"),
not any verb and noun ("ignore the typos", "override the CSS"); the nearest-seed classifier in
``neighbours.py`` covers paraphrases that no pattern names.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata

from gateway.guardrails.semantic.anchors import Reading
from gateway.guardrails.semantic.attack_patterns import PATTERNS, PERSONA

LEVELS = ("NONE", "LOW", "MEDIUM", "HIGH")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LEET = str.maketrans("013457@$!", "oieastasi")

_PUNCTUATED = re.compile(r"\b(?:\w[.\-_*]){2,}\w\b")
_SPACED = re.compile(r"\b(?:\w ){2,}\w\b")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){8,}\b")


def normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).replace("’", "'").lower()


def _despaced(text: str) -> str:
    """ "i g n o r e   a l l" and "i-g-n-o-r-e a-l-l" as "ignore all": letters split by single
    separators, joined (punctuation-split runs first, so the spaces between words survive)."""
    text = _PUNCTUATED.sub(lambda m: re.sub(r"[.\-_*]", "", m.group(0)), text)
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)


def _deleeted(text: str) -> str:
    """ "1gn0r3 4ll" as "ignore all": digits read as letters inside words that have letters."""
    return re.sub(r"\b(?=\w*[a-z])(?=\w*[0-9@$])[\w@$!]+", lambda m: m.group(0).translate(_LEET), text)


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = sum(c.isprintable() or c.isspace() for c in text)
    return text if text.strip() and letters >= 0.95 * len(text) and " " in text.strip() else None


def payloads(text: str) -> list[str]:
    """Readable text hidden in base64 or hex runs of ``text`` (what an encoded attack carries)."""
    found: list[str] = []
    for match in _BASE64.finditer(text):
        token = match.group(0).replace("-", "+").replace("_", "/")
        try:
            data = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if (decoded := _printable(data)) is not None:
            found.append(decoded)
    for match in _HEX.finditer(text):
        try:
            data = bytes.fromhex(re.sub(r"[ :]", "", match.group(0)))
        except ValueError:
            continue
        if (decoded := _printable(data)) is not None:
            found.append(decoded)
    return found


def readings(text: str) -> list[str]:
    """``text`` read the ways an attack may hide in it: as written, letters joined, leetspeak read,
    ROT13 undone, and each encoded payload decoded (lower-cased, normalised)."""
    base = normalised(text)
    out = [base, _despaced(base), _deleeted(base), codecs.decode(base, "rot13")]
    out += [normalised(p) for p in payloads(text)]
    return list(dict.fromkeys(out))


def families(text: str) -> dict[str, int]:
    """The attack families found in any reading of ``text``, each with its highest level."""
    variants = [Reading(reading) for reading in readings(text)]
    found: dict[str, int] = {}
    for pattern in PATTERNS:
        if pattern.level > found.get(pattern.name, 0) and any(pattern.found(v) for v in variants):
            found[pattern.name] = pattern.level
    if PERSONA.search(text):
        found["persona"] = max(found.get("persona", 0), 1)
    return found


def confidence(text: str) -> str:
    """NONE, LOW, MEDIUM or HIGH: how sure the patterns are that ``text`` is a prompt attack."""
    levels = sorted(families(text).values(), reverse=True)
    if not levels or (levels[0] == 1 and len(levels) == 1):
        return "NONE"
    level = levels[0]
    if len(levels) > 1 and level >= 2:
        level = min(3, level + 1)
    return LEVELS[level]
