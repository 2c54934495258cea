"""Running the detectors a guardrail's PII types need over a text, and settling overlaps.

Detectors run in a fixed order (card numbers before the CVV and expiry that may follow them,
access keys before the secret keys paired with them); a detector runs when a configured type
needs it, directly or through a later detector that reads its findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.guardrails.pii import codes, network, numbers, phones, secrets
from gateway.guardrails.pii.scan import Detector, Finding, Scan

DETECTORS: tuple[Detector, ...] = (
    *numbers.DETECTORS,
    *phones.DETECTORS,
    *network.DETECTORS,
    *codes.DETECTORS,
    *secrets.DETECTORS,
)
PATTERN_TYPES = frozenset(t for d in DETECTORS for t in d.types)


# Where a led detector may start: a digit, "(" or "+" not inside a word or after a dot.
_LEAD_START = r"[\d(+](?<![\w.][\d(+])"


class Scanner:
    """The detectors for a set of entity types, compiled once per guardrail version."""

    def __init__(self, types: Iterable[str]) -> None:
        self.types = frozenset(types) & PATTERN_TYPES
        needed = set(self.types)
        for detector in reversed(DETECTORS):  # needs point backwards, so one pass collects them all
            if needed.intersection(detector.types):
                needed.update(detector.needs)
        chosen = [d for d in DETECTORS if needed.intersection(d.types)]
        self.led = tuple(d for d in chosen if d.lead is not None)
        self.others = tuple(d for d in chosen if d.lead is None)
        leads = "".join(f"(?:(?=({d.lead})))?" for d in self.led)
        self.fan_out = re.compile(_LEAD_START + leads) if self.led else None

    def scan(self, text: str) -> list[Finding]:
        """The configured types' findings in ``text``, by position."""
        if not text or not (self.led or self.others):
            return []
        scan = Scan(text)
        if self.fan_out is not None:
            for match in self.fan_out.finditer(text):
                if match.lastindex is not None:  # some lead holds here
                    for detector, lead in zip(self.led, match.groups(), strict=True):
                        if lead is not None:
                            detector.run_at(scan, match.start())
        for detector in self.others:
            detector.run(scan)
        return sorted((f for f in settle(scan.found) if f.type in self.types), key=lambda f: f.start)


def _overlaps(finding: Finding, kept: list[Finding]) -> bool:
    return any(finding.start < other.end and other.start < finding.end for other in kept)


def settle(findings: list[Finding]) -> list[Finding]:
    """Overlapping identifiers keep the highest-ranked (then longest) one; overlapping findings of
    one type keep the longest. Other types may overlap (a URL and the IP address inside it)."""
    if len(findings) < 2:
        return findings
    kept: list[Finding] = []
    ranked: list[Finding] = []
    by_type: dict[str, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: (-f.rank, f.start - f.end, f.start)):
        if finding.rank:
            if _overlaps(finding, ranked):
                continue
            ranked.append(finding)
        same = by_type.setdefault(finding.type, [])
        if not _overlaps(finding, same):
            same.append(finding)
            kept.append(finding)
    return kept
