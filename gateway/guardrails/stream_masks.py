"""Releasing part of a held stream masked as the whole answer would be.

Several guardrails apply in turn, each on the text the one before it masked, so each one's matches
are places in a different text. A sync stream releases the held text up to a cut and keeps the rest;
the cut must fall outside every guardrail's matches (a match cut in two would leave half of it
unmasked), and what is released must be masked as the non-streamed answer is: the first guardrail's
masks on the raw text, the second's on that, and so on.

A ``Stage`` is one guardrail's regions on the answer: (start, end, placeholder) in the text it read,
merged as ``engine.masked`` merges overlapping matches (placeholder None: a match only reported,
which the cut still never splits).
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.guardrails.assessment import Detection

Region = tuple[int, int, str | None]
Stage = list[Region]


def regions(detections: Sequence[Detection], unit: int) -> Stage:
    """One guardrail's regions on text unit ``unit``, by start: its masks merged as
    ``engine.masked`` merges them (the earliest-starting, then longest, match's placeholder covers
    those it overlaps), and the matches it only reports, which mask nothing."""
    found = [d for d in detections if d.span is not None and d.span[0] == unit and d.detected]
    masks: Stage = []
    for start, end, placeholder in sorted(
        ((d.span[1], d.span[2], d.placeholder or "{REDACTED}") for d in found if d.action == "ANONYMIZED" and d.span),
        key=lambda span: (span[0], -span[1]),
    ):
        if masks and start < masks[-1][1]:  # absorbed by the mask before it
            first, last, kept = masks[-1]
            masks[-1] = (first, max(last, end), kept)
        else:
            masks.append((start, end, placeholder))
    reported: Stage = [(d.span[1], d.span[2], None) for d in found if d.action != "ANONYMIZED" and d.span]
    return sorted(masks + reported, key=lambda region: region[0])


def after_context(stages: Sequence[Stage], before: int) -> list[Stage]:
    """Each stage's regions in the held text, when each stage read ``before`` characters of text
    released already ahead of it (stream.py: what detectors look back at). Regions there are
    dropped (that text is gone); one that runs on into the held text covers its start; where the
    held text starts in the next stage's text moves with the masks written before it."""
    if not before:
        return list(stages)
    held: list[Stage] = []
    for stage in stages:
        kept: Stage = []
        shift, start_next = 0, None
        for start, end, placeholder in stage:
            if end <= before:
                if placeholder is not None:
                    shift += len(placeholder) - (end - start)
                continue
            if start < before:
                kept.append((0, end - before, placeholder))
                if placeholder is not None:
                    start_next = start + shift  # the next stage's held text starts with this placeholder
            else:
                kept.append((start - before, end - before, placeholder))
        held.append(kept)
        before = start_next if start_next is not None else before + shift
    return held


def safe_cut(stages: Sequence[Stage], end: int) -> int:
    """The latest cut at or before ``end`` (a place in the raw text) that splits no region of any
    stage, read where that stage reads."""
    while True:
        place = end
        for number, stage in enumerate(stages):
            inside = next((r for r in stage if r[0] < place < r[1]), None)
            if inside is not None:
                earlier = _back(stages[:number], inside[0])
                end = earlier if earlier < end else end - 1  # always back: holding more is safe, a loop is not
                break
            place = _forward(stage, place)
        else:
            return end


def masked_through(stages: Sequence[Stage], text: str) -> str:
    """``text`` (the raw held text up to a safe cut) masked by every stage in turn."""
    for stage in stages:
        out: list[str] = []
        position = 0
        for start, end, placeholder in stage:
            if end > len(text):
                break
            if placeholder is not None:
                out += [text[position:start], placeholder]
                position = end
        out.append(text[position:])
        text = "".join(out)
    return text


def _forward(stage: Stage, place: int) -> int:
    """Where ``place`` (outside the stage's regions) is in the text the stage wrote."""
    moved = place
    for start, end, placeholder in stage:
        if end > place:
            break
        if placeholder is not None:
            moved += len(placeholder) - (end - start)
    return moved


def _back(stages: Sequence[Stage], place: int) -> int:
    """Where ``place`` in the text the last of ``stages`` wrote comes from in the raw text (a place
    inside a placeholder goes back to the start of the match it replaced)."""
    for stage in reversed(stages):
        shift = 0
        source = None
        for start, end, placeholder in stage:
            if placeholder is None:
                continue
            written = start + shift
            if place < written:
                break
            if place < written + len(placeholder):
                source = start
                break
            shift += len(placeholder) - (end - start)
        place = source if source is not None else place - shift
    return place
