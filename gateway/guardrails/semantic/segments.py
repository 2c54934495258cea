"""Text cut into the pieces worth embedding.

A short request hidden in a long benign text must still be found, and one embedding of the whole
text dilutes it; so each sentence is embedded too, long sentences as overlapping word windows.
A text of more than ``MAX_SEGMENTS`` sentences has neighbouring sentences packed into pieces of
at most ``LONG_SENTENCE`` words: fewer pieces, each still within what the model reads (256 word
pieces; beyond that it truncates, and a request there would go unseen). So every word is read and
the cost grows with the length of the text (measured: about 60 ms per 1,000 characters for
all-MiniLM-L6-v2 on one busy CPU thread).
"""

from __future__ import annotations

import re

MIN_WORDS = 3  # a fragment shorter than this ("Thanks!", "Hi.") is noise to a sentence model
LONG_SENTENCE = 48  # words: longer sentences are cut into windows
WINDOW, STRIDE = 32, 16
WHOLE_WORDS = 160  # the whole text is a piece too when it fits the model (256 word pieces)
MAX_SEGMENTS = 64  # per text: beyond this, neighbouring sentences are packed together

_SENTENCE_END = re.compile(r"(?<=[.!?;。！？])\s+|\n+")


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, long ones as overlapping word windows."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        if len(words) <= LONG_SENTENCE:
            if words:
                out.append(" ".join(words))
            continue
        for start in range(0, len(words) - WINDOW + STRIDE, STRIDE):
            out.append(" ".join(words[start : start + WINDOW]))
    return out


def _packed(parts: list[str], words: int) -> list[str]:
    """Neighbouring parts joined while the joined piece has at most ``words`` words."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for part in parts:
        length = len(part.split())
        if current and size + length > words:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(part)
        size += length
    if current:
        pieces.append(" ".join(current))
    return pieces


def segments(text: str, *, whole: bool = True) -> list[str]:
    """The pieces of ``text`` to embed, distinct and in order: the whole text (when ``whole`` and it
    is short enough to embed as one), then its sentences of at least ``MIN_WORDS`` words (all of
    them when none is that long)."""
    parts = sentences(text)
    substantial = [p for p in parts if len(p.split()) >= MIN_WORDS] or parts
    if len(substantial) > MAX_SEGMENTS:
        substantial = _packed(substantial, LONG_SENTENCE)
    pieces: list[str] = []
    if whole and (len(parts) > 1 or not substantial) and len(text.split()) <= WHOLE_WORDS and text.strip():
        pieces.append(" ".join(text.split()))
    pieces += substantial
    return list(dict.fromkeys(pieces))
