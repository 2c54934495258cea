"""Quebec's health insurance number (RAMQ's NAM, on the "carte soleil"): four letters (the surname's
first three, the given name's first) then eight digits (birth year, month, plus 50 for women, day,
and two more), printed "TREM 8405 1219". Found only beside its keywords, its date read whole."""

from __future__ import annotations

import re

from gateway.guardrails.pii.context import CA_HEALTH as CA_HEALTH_WORDS
from gateway.guardrails.pii.detector import Detector, mentioning
from gateway.guardrails.pii.keywords import keywords
from gateway.guardrails.pii.scan import Finding, Scan, found

CA_HEALTH = "CA_HEALTH_NUMBER"
QUEBEC_WORDS = keywords(
    r"ramq",
    r"nam",
    r"carte soleil",
    r"assurance[ -]maladie",
    r"num[ée]ro d'assurance[ -]maladie",
    r"quebec health",
    r"québec health",
    r"health cards?",
    r"health (insurance )?number",
)
_NAM = re.compile(r"(?<![\w-])[A-Z]{4}([ -]?)\d{4}\1\d{4}(?![\w-])")


def _nam(match: re.Match[str], scan: Scan) -> Finding | None:
    digits = re.sub(r"\D", "", match.group())
    month, day = int(digits[2:4]), int(digits[4:6])
    if not (1 <= month <= 12 or 51 <= month <= 62) or not 1 <= day <= 31:
        return None  # not a birth date: no health number
    start, end = match.span()
    if scan.near(start, end, QUEBEC_WORDS) or scan.near(start, end, CA_HEALTH_WORDS):
        return found(CA_HEALTH, start, end)
    return None


DETECTORS = (Detector((CA_HEALTH,), _NAM, _nam, mentioning(QUEBEC_WORDS)),)
