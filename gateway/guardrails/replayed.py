"""Output guardrail outcomes kept with a cached answer, so that a hit reports what the guardrails
did to the answer it replays (masked, or what they detected) instead of "nothing".

Kept as plain JSON lists, matched text withheld (the cache may be Redis, shared by processes and
readable by operators: it holds only what callers were sent, and placeholders).
"""

from __future__ import annotations

from typing import Any

from gateway.guardrails.assessment import WITHHELD, Detection, Outcome
from gateway.guardrails.definition import Side
from gateway.guardrails.request import Applied


def kept(applied: list[Applied]) -> list[Any]:
    """The output outcomes of a call, as JSON-ready lists."""
    out: list[Any] = []
    for a in applied:
        detections = [[list(d.section), d.rendered(withhold=True), d.action] for d in a.outcome.detections]
        out.append([a.guardrail_id, a.version, detections, a.outcome.units_checked, a.outcome.characters])
    return out


def replayed(data: Any) -> list[Applied]:
    """What ``kept`` wrote, as outcomes again ([] for anything else: an entry is never trusted blindly)."""
    applied: list[Applied] = []
    if not isinstance(data, list):
        return applied
    for item in data:
        try:
            guardrail_id, version, detections, units, characters = item
            found = []
            for section, entry, action in detections:
                shown = {k: v for k, v in entry.items() if k not in ("action", "detected")}
                placeholder = shown.get("match") if isinstance(shown.get("match"), str) else WITHHELD
                found.append(Detection((section[0], section[1]), shown, action, None, placeholder))
            outcome = Outcome(Side.OUTPUT, found, [], dict(units), int(characters))
            applied.append(Applied(str(guardrail_id), str(version), outcome))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return []
    return applied
