"""What the PII scanner finds with every pattern type enabled, as (type, matched text): the form
the PII unit tests compare against."""

from __future__ import annotations

from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner

ALL = Scanner(PATTERN_TYPES)


def found(text: str) -> list[tuple[str, str]]:
    """What every pattern type finds in ``text``: (type, matched text), by position."""
    return [(f.type, text[f.start : f.end]) for f in ALL.scan(text)]


def found_of(kind: str, text: str) -> list[str]:
    """The values of one type that every pattern type finds in ``text``."""
    return [value for k, value in found(text) if k == kind]
