"""Converse's guarded content as guardrail text units: guardContent blocks, with their qualifiers
(grounding_source, query, guard_content), decide what a guardrail evaluates (Bedrock's selective
guarding); without any, the guardrail evaluates every user message (None here)."""

from __future__ import annotations

from gateway.guardrails.policies.base import GUARD_CONTENT, TextUnit
from gateway.schemas.bedrock import ConverseRequest, GuardContent


def guard_units(body: ConverseRequest) -> list[TextUnit] | None:
    blocks: list[tuple[str, GuardContent | None]] = []
    for block in body.system or ():
        blocks.append((block.text or "", block.guardContent))
    for message in body.messages:
        if message.role == "user":
            blocks += [(b.text or "", b.guardContent) for b in message.content]
    if not any(guard is not None for _, guard in blocks):
        return None
    units: list[TextUnit] = []
    for text, guard in blocks:
        if guard is not None and guard.text is not None:
            qualifiers = frozenset[str](guard.text.qualifiers or ()) or frozenset({GUARD_CONTENT})
            units.append(TextUnit(guard.text.text, qualifiers))
        elif text:
            units.append(TextUnit(text))
    return units
