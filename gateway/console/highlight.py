"""The guardrail test box's text, cut into plain and matched parts, so the page can mark what a
policy matched (the template escapes each part; no HTML is built here)."""

from __future__ import annotations

from collections.abc import Iterable


def highlighted(text: str, spans: Iterable[tuple[int, int, int] | None]) -> list[tuple[str, bool]]:
    """``text`` as (part, matched) pairs; overlapping and touching spans are merged."""
    ranges = sorted((start, end) for span in spans if span is not None for _, start, end in [span] if end > start)
    merged: list[list[int]] = []
    for start, end in ranges:
        start, end = max(0, start), min(len(text), end)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        elif start < end:
            merged.append([start, end])
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in merged:
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts
