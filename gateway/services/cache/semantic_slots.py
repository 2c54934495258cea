"""The semantic guard's one-slot rule: two prompts identical but for one content word (or two) in
one place ask about different things ("undo the last commit" / "undo the last push", "a short
story" / "a short poem", "my billing address" / "my shipping address"), unless the words swapped
are spellings, inflections or synonyms of each other (semantic_synonyms.py).

Sentence embeddings put such pairs at cosine 0.83-0.97, above paraphrases that reword a whole
sentence; no threshold separates them (bench/semantic_cache_eval.py). Real paraphrases either
reword more than one place, only add or drop words ("Explain photosynthesis" / "What is
photosynthesis?"), or swap a word for a synonym, a misspelling or another form of itself, which
this rule lets through. Its cost: a paraphrase whose only change is a synonym missing from
semantic_synonyms.py is refused (a miss, never a wrong answer).
"""

from __future__ import annotations

from difflib import SequenceMatcher

from gateway.services.cache.semantic_guard_words import CONTRASTS, STOPWORDS
from gateway.services.cache.semantic_spelling import minilm_speller
from gateway.services.cache.semantic_synonyms import interchangeable

MAX_SLOT_WORDS = 2  # a swap of up to this many content words on each side is one slot
_LIGHT = STOPWORDS | frozenset(
    "a an the my your our their its this that these those some any of in on at for to from with by and or "
    "please hi hello hey thanks thank there here about into just also really usually if whether as so then but "
    "because since while though although very quite rather".split()
)


def swapped(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """Do two prompts' tokens differ in exactly one place, where content words of one are replaced
    by other content words (not a spelling, form or synonym of them)?"""
    if mine == theirs:
        return False
    slots = 0
    matcher = SequenceMatcher(a=mine, b=theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old = [w for w in mine[i1:i2] if w not in _LIGHT]
        new = [w for w in theirs[j1:j2] if w not in _LIGHT]
        if not old and not new:
            continue  # function words only: "How do I" / "How can I"
        if not old or not new or len(old) > MAX_SLOT_WORDS or len(new) > MAX_SLOT_WORDS:
            return False  # words added or dropped, or a whole phrase reworded: a paraphrase
        if not all(_unmatched(old, new)):
            return False  # every word of one side is another form or a synonym of one of the other's
        slots += 1
    return slots == 1


def _unmatched(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """The words of each side with no alike word on the other: "tallest mountain" / "longest
    river" leaves "mountain" / "river", a swap still ("tallest" / "longest" are one contrast pole)."""
    return [a for a in old if not any(_alike(a, b) for b in new)], [
        b for b in new if not any(_alike(a, b) for a in old)
    ]


def _alike(a: str, b: str) -> bool:
    """The same word misspelled or inflected ("refnud", "returning", "spoken"), or a synonym of it."""
    if interchangeable(a, b):
        return True
    if a in CONTRASTS and CONTRASTS.get(a) == CONTRASTS.get(b):
        return True
    shortest = min(len(a), len(b))
    if _common_prefix(a, b) >= min(shortest, 5) >= 4:
        return True  # "walk" / "walked", "return" / "returning"
    if _distance(a, b) > (1 if shortest < 6 else 2):
        return False
    speller = minilm_speller()  # a typo is a word outside the vocabulary: "cat" / "hat" are two words
    return speller is None or not (speller.known(a) and speller.known(b))


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (an adjacent swap costs 1), capped at 3."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return min(previous[-1], 3)
