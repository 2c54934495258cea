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

``crossed`` is the same kind of rule for order: the same words, but two things in each other's place
("Is Pluto bigger than the Moon?" / "Is the Moon bigger than Pluto?").
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from gateway.services.cache.semantic_guard_words import CONTRASTS, NEGATIONS, NUMBER_UNITS, STOPWORDS, TERMS
from gateway.services.cache.semantic_spelling import minilm_speller
from gateway.services.cache.semantic_synonyms import interchangeable, stems

MAX_SLOT_WORDS = 2  # a swap of up to this many content words on each side is one slot
MAX_THING_WORDS = 4  # a thing that trades places with another may take this many words ("a running container")
# Determiners a thing may lose when it moves ("from a running container to my host" / "from my host to a
# running container"); "a" stays: it is "to" in Spanish, Italian and Portuguese
_DETERMINERS = frozenset("the my your our their his her its this that these those".split())
_HIRAGANA = re.compile(r"[\u3040-\u309f]+")
_IDEOGRAPHIC = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")  # kana and kanji
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_NEGATING_PREFIXES = ("in", "un", "non", "dis", "im", "ir", "il")
_QUESTION = frozenset({"what", "which", "who", "whom", "whose", "where", "when", "why", "how"})
_SYMMETRIC = frozenset({"and", "or", "vs", "versus", "nor", ","})
_LIGHT = STOPWORDS | frozenset(
    "a an the my your our their its this that these those some any of in on at for to from with by and or "
    "please hi hello hey thanks thank there here about into just also really usually if whether as so then but "
    "because since while though although very quite rather i'm i've i'd i'll it's that's what's there's "
    # articles of the commonest European languages: a synonym of another gender takes another one ("der
    # Versand" / "die Lieferung"); not "die" (English), "os" ("which os")
    "der das den dem des ein eine einen einem einer le la les un une du de el los las una unos unas del "
    "il lo gli uno della het een um uma".split()
)
# British spellings and their American forms, as endings: "centre" / "center", "colour" / "color"
_BRITISH_ENDINGS = (
    ("tre", "ter"),
    ("our", "or"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ising", "izing"),
    ("isation", "ization"),
    ("yse", "yze"),
    ("ogue", "og"),
    ("lled", "led"),
    ("lling", "ling"),
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
        old = [w for w in mine[i1:i2] if not _light(w)]
        new = [w for w in theirs[j1:j2] if not _light(w)]
        if not old and not new:
            continue  # function words only: "How do I" / "How can I"
        if not old or not new or len(old) > MAX_SLOT_WORDS or len(new) > MAX_SLOT_WORDS:
            return False  # words added or dropped, or a whole phrase reworded: a paraphrase
        if not all(_unmatched(old, new)):
            return False  # every word of one side is another form or a synonym of one of the other's
        slots += 1
    return slots == 1


def _light(word: str) -> bool:
    """A function word: English and the commonest European languages' (``_LIGHT``), and a Japanese
    run of hiragana (particles and endings: "で" / "の", "ですか" / "でしょうか")."""
    return word in _LIGHT or _HIRAGANA.fullmatch(word) is not None


def crossed(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """Do two prompts say the same words but for two things (of up to four words each) that trade
    places around the words between them ("Is Pluto bigger than the Moon?" / "Is the Moon bigger
    than Pluto?", "noon in London ... in Tokyo")? Two things joined by "and", "or" or "vs" only may
    trade places: "the difference between TCP and UDP" asks what "... UDP and TCP" asks."""
    # "a" (and "an", read as "a") stays: it is "to" in Spanish, Italian and Portuguese ("100 dólares a euros")
    a = [_key("a" if w == "an" else w) for w in mine if w not in _DETERMINERS]
    b = [_key("a" if w == "an" else w) for w in theirs if w not in _DETERMINERS]
    if len(a) != len(b) or a == b:
        return False
    start = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    end = len(a) - next(i for i, (x, y) in enumerate(zip(reversed(a), reversed(b), strict=True)) if x != y)
    # the two things may share their first or last words, which the words that differ leave out: "from
    # my account to my partner's account" / "from my partner's account to my account" differ from
    # "account" to "partner's" only; the window grows over those shared words
    for before in range(min(start, MAX_THING_WORDS - 1) + 1):
        for after in range(min(len(a) - end, MAX_THING_WORDS - 1) + 1):
            if _traded(a[start - before : end + after], b[start - before : end + after]):
                return True
    return False


def _traded(m1: list[str], m2: list[str]) -> bool:
    """Is ``m2`` ``m1`` with its first and last things (up to four words each) in each other's place?"""
    for first in range(1, min(MAX_THING_WORDS, len(m1) - 2) + 1):
        for last in range(1, min(MAX_THING_WORDS, len(m1) - first - 1) + 1):
            one, between, other = m1[:first], m1[first:-last], m1[-last:]
            if m2 != other + between + one or one == other or set(between) <= _SYMMETRIC:
                continue
            if _QUESTION.isdisjoint(one + other):  # "in which country" moved is the question moved
                return True
    return False


def _key(word: str) -> str:
    """One spelling per word and its inflections ("cups" / "cup"), for comparing places."""
    return min(stems(word), key=len)


def _unmatched(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """The words of each side with no alike word on the other: "tallest mountain" / "longest
    river" leaves "mountain" / "river", a swap still ("tallest" / "longest" are one contrast pole)."""
    return [a for a in old if not any(_alike(a, b) for b in new)], [
        b for b in new if not any(_alike(a, b) for a in old)
    ]


def _alike(a: str, b: str) -> bool:
    """The same word misspelled or inflected ("refnud", "returning", "spoken"), or a synonym of it."""
    if _negated_form(a, b) or _negated_form(b, a):
        return False  # "sensitive" / "insensitive", "refundable" / "nonrefundable": opposites, not typos
    if interchangeable(a, b) or _american(a) in stems(b) or _american(b) in stems(a):
        return True
    if _IDEOGRAPHIC.search(a + b):
        return False  # "明日" / "明後日": no letters to slip; one kanji more is another word
    if _HANGUL.search(a + b) and a[:1] != b[:1]:
        return False  # "센티미터인가요" / "밀리미터인가요": particles change at a word's end, not its start
    if _unit(a) is not None and _unit(b) is not None:
        return _unit(a) == _unit(b)  # "px" / "pixels" alike; "px" / "pt", "ms" / "ns" two units, however close
    if _negation(a) and _negation(b):
        return True  # "can't" / "unable": whether each prompt negates is the guard's own fact
    if a in CONTRASTS and CONTRASTS.get(a) == CONTRASTS.get(b):
        return True
    shortest = min(len(a), len(b))
    if _common_prefix(a, b) >= min(shortest, 5) >= 4:
        return True  # "walk" / "walked", "return" / "returning"
    if _distance(a, b) > (1 if shortest < 6 else 2):
        return False
    speller = minilm_speller()  # a typo is a word outside the vocabulary: "cat" / "hat" are two words
    return speller is None or not (speller.known(a) and speller.known(b))


def _unit(word: str) -> str | None:
    """The unit or term ``word`` names, if it is one."""
    return NUMBER_UNITS.get(word) or TERMS.get(word)


def _negated_form(word: str, other: str) -> bool:
    """``other`` is ``word`` with a negating prefix ("in", "un", "non", "dis", "im", "ir", "il")."""
    return len(word) >= 4 and any(other == prefix + word for prefix in _NEGATING_PREFIXES)


def _american(word: str) -> str:
    """``word`` with a British ending spelt the American way ("colours" -> "color"), else as it is."""
    for stem in (word, word[:-1]) if word.endswith("s") else (word,):
        for british, american in _BRITISH_ENDINGS:
            if stem.endswith(british) and len(stem) > len(british) + 2:
                return stem[: -len(british)] + american
    return word


def _negation(word: str) -> bool:
    return word in NEGATIONS or word.endswith("n't")


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
