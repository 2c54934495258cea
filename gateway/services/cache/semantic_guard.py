"""A cheap guard against the semantic cache's false hits: two prompts an embedding calls close but
whose answers differ because a number, a negation, a name, a quoted or code identifier, a unit, a
language, the direction of a conversion or one of two opposites differs ("convert 5 km to miles" /
"convert 5 miles to km", "cancel my order" / "do not cancel my order", "sort a list in Python" /
"... in JavaScript", "enable" / "disable", "capital of France" / "capital of Germany").

Sentence embeddings such as all-MiniLM-L6-v2 put many such pairs above any threshold that still
accepts real paraphrases (bench/semantic_cache_eval.py measures both), so the index asks this guard
before it answers. A prompt is reduced once to its facts (``Facts``), kept with the index entry and
shared through Redis as a compact string (``signature``). The guard only ever refuses a hit: its
cost is a lower hit rate on paraphrases that spell a fact differently.

Besides those facts it refuses two prompts identical but for one swapped content word ("undo the
last commit" / "... push", semantic_slots.py), two with the same words around "to", "from" or
"than" in the other order ("from London to Paris" / "from Paris to London"), two whose things trade
places around the same words ("Is Pluto bigger than the Moon?" / "Is the Moon bigger than Pluto?",
"how many cups are in a quart" / "... quarts are in a cup"), one that stops doing what the other does
("make git track a file" / "... stop tracking a file": a negation), and two that differ in scope
("the first letter" / "the first letter of every word", "with my team" / "with someone outside my
team"). It reads a prompt with its typos corrected (semantic_spelling.py), as the embedding does,
and finds a name the other prompt spells lower-case even where the speller changed that word.

Names are found in the other prompt under a common short form ("JS" / "JavaScript", "JPG" /
"JPEG", ``NAME_ALIASES``) or, for a name of seven letters or more, one slip of the keyboard away
("Selenium" / "selenuim"; the cost: "Colombia" / "Columbia" read alike). "one" is not a number
("into one", "one line at a time"): "one" / "two" still differ, "one" / nothing does not. An
opposite is found in its inflections too ("uploaded" / "downloaded").

Beyond English: negations ("non", "niet", "não"), scope words ("solo", "seulement", "todos") and
days ("domani" / "ieri") of the commonest European languages; French and Italian elisions are
split ("dall'italiano"), and a Romance "a" ("100 dólares a euros") counts for things that trade
places. Also: a prefixed opposite is no typo ("sensitive" / "insensitive", "non-refundable"),
"this" / "next" / "last" month or year differ, so do a condition's signs, effects, causes and
treatment, and "the position of" the largest element is not the element; "a Word document" is a
Word file where a conversion ends. Japanese, unspaced, is read in runs of one script ("大阪" /
"福岡" is then one swapped word); a unit right after a number counts however short ("2em" /
"2rem"), and so do package managers ("npm" / "pnpm") and the day after tomorrow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from gateway.services.cache.semantic_context import asked, sentences
from gateway.services.cache.semantic_guard_words import (
    CONTRASTS,
    DIRECTED,
    NAME_ALIASES,
    NEGATIONS,
    NUMBER_UNITS,
    NUMBER_WORDS,
    SCOPES,
    STOPWORDS,
    TERMS,
)
from gateway.services.cache.semantic_phrases import PHRASES, WORD_PHRASES
from gateway.services.cache.semantic_slots import crossed, swapped
from gateway.services.cache.semantic_spelling import minilm_speller
from gateway.services.cache.semantic_synonyms import interchangeable, stems, synonyms

# The word after one of these names a direction's end ("into" is "to").
_DIRECTIONS = {"to": "to", "into": "to", "than": "than", "from": "from"}
_CEASING = frozenset({"stop", "quit", "cease"})
_SKIPPED = frozenset({"a", "an", "the", "my", "your", "our", "their", "its", "this", "that", "some"})
_NON_HYPHEN = re.compile(r"\bnon-(?=\w)")
_ELISIONS = frozenset("l d j m n s t qu dall all dell nell sull coll un quell".split())
_CONTAINERS = frozenset({"document", "documents", "file", "files"})  # "a Word document": its kind names it
_QUOTED = re.compile(r"`([^`]+)`|\"([^\"]+)\"|(?<!\w)'([^'\s][^']*[^'\s])'(?!\w)")
_CODE = re.compile(r"\b[A-Za-z_][^\W_]*(?:[._][^\W_]+)+\b|\b[a-z]+[A-Z]\w*\b|\b\w+\(\)")
# Vowel signs and other combining marks are no letters to ``\w``: "परसों" would be read "परस". These
# are the Indic blocks and Thai without their digits, and the combining diacritics.
_COMBINING = (
    "\u0300-\u036f\u0900-\u0965\u0970-\u09e5\u09f0-\u0a65\u0a70-\u0ae5\u0af0-\u0b65\u0b70-\u0be5"
    "\u0bf0-\u0c65\u0c70-\u0ce5\u0cf0-\u0d65\u0d70-\u0dff\u0e00-\u0e4f\u0e5a-\u0e7f"
)
_LETTERS = rf"[^\W\d_]+(?:[{_COMBINING}]+[^\W\d_]*)*"  # runs, not a character at a time: as fast as before
_TOKEN = re.compile(
    r"turn_on|turn_off|(?:this|next|last)_period|position_of"  # PHRASES' tokens
    rf"|c\+\+|c#|node\.js|°[cf]|[$€£]|\d+(?:[.,]\d+)*|{_LETTERS}(?:'{_LETTERS})?",
    re.UNICODE,
)
_WORD = re.compile(rf"[^\W_]+(?:[{_COMBINING}]+[^\W_]*)*", re.UNICODE)
_WORD_PHRASE = re.compile(
    r"(?<![^\W_])(?:" + "|".join(map(re.escape, sorted(WORD_PHRASES, key=len, reverse=True))) + r")(?![^\W_])"
)
_CAPITALISED = re.compile(r"(?<![^\W_])[A-ZÀ-ÖØ-Þ][^\W_]*", re.UNICODE)
# Marks named like names: a word of letters then digits ("B12", "e4", "A320", "x86") and a suffix
# written with its dot (".dk", ".csv"): "the domain .dk" is not "the domain .de".
_MARKS = re.compile(r"(?<![^\W_])([^\W\d_]+\d[^\W_]*)|(?<![^\s(])\.([^\W\d_]{2,4})(?![^\W_])", re.UNICODE)
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_JAPANESE_RUN = re.compile(
    r"[\u3040-\u309f]+"  # hiragana
    r"|[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+"  # katakana (the long-vowel mark "ー" with it)
    r"|[\u3400-\u4dbf\u4e00-\u9fff\u3005\u3006]+"  # kanji ("々" repeats one)
    r"|[^\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\u3400-\u4dbf\u4e00-\u9fff\u3005\u3006]+"
)
_SENTENCE_ENDS = (".", "!", "?", "¿", "¡", ":", '"', "'")
_SLIP_LENGTH = 7  # a name this long, one letter off another word, is that word misspelt
_SEP, _ITEM = "\x1e", "\x1f"  # record and unit separators: never in a word the guard keeps


@dataclass(frozen=True, slots=True)
class Facts:
    """What must agree for one prompt's answer to serve another."""

    exact: str  # numbers, negation, identifiers and terms: must be equal
    ends: frozenset[str]  # "to>mile", "from>json": a direction word both prompts have must agree
    names: frozenset[str]  # capitalised names: each must occur among the other prompt's words
    words: frozenset[str]  # every word, lower-cased, for the other prompt's names
    contrasts: frozenset[str]  # "group:pole" for each contrast word
    tokens: tuple[str, ...] = ()  # the words in order, for the one-slot rule (semantic_slots.py)
    # a prompt of several sentences: them, as written; kept in this process, never in a signature (no
    # prompt goes to Redis), so an entry another process shares is weighed whole (semantic_context.py)
    sentences: tuple[str, ...] = field(default=(), compare=False)

    def allows(self, other: Facts) -> bool:
        """May the answer to a prompt with these facts serve one with ``other``'s (symmetric)? When
        not, and one of the two prompts has sentences that only set the scene, again without them
        (semantic_context.py). When both have some, they ask different things about the same scene
        ("I use Python 3.12. How do I install numpy?" / "... uninstall pandas?"): still not."""
        if self._allows(other):
            return True
        mine, theirs = self._asking(other), other._asking(self)
        if (mine is None) == (theirs is None):  # neither sets a scene, or each asks its own question
            return False
        return (mine or self)._allows(theirs or other)

    def _asking(self, other: Facts) -> Facts | None:
        """The facts of this prompt's sentences that ask what ``other`` asks, when some do not."""
        if not self.sentences:
            return None
        text = asked(self.sentences, other.words)
        return None if text is None else facts(text)

    def _allows(self, other: Facts) -> bool:
        if self.exact != other.exact or not _named(self.names, other.words) or not _named(other.names, self.words):
            return False
        return (
            _agree(_groups(self.ends, ">"), _groups(other.ends, ">"))
            and _agree(_groups(self.contrasts, ":"), _groups(other.contrasts, ":"))
            and not swapped(self.tokens, other.tokens)
            and not crossed(self.tokens, other.tokens)
        )


def facts(text: str) -> Facts:
    """The facts the guard compares, read from one prompt (its misspelled words corrected first,
    as for its embedding: "how tall is mount everst" names Everest)."""
    written = text
    speller = minilm_speller()
    if speller is not None:
        text = speller.normalise(text)
    lowered = _WORD_PHRASE.sub(lambda match: WORD_PHRASES[match.group(0)], text.lower())
    for phrase, token in PHRASES.items():
        lowered = lowered.replace(phrase, token)
    lowered = _NON_HYPHEN.sub("non", lowered)  # "non-refundable" is "nonrefundable"
    tokens = [piece for token in _TOKEN.findall(lowered) for part in _elided(token) for piece in _scripts(part)]
    identifiers = sorted({(a or b or c).strip().lower() for a, b, c in _QUOTED.findall(text)})
    identifiers += sorted({m.lower() for m in _CODE.findall(text)} - set(identifiers))
    unique = set(tokens)
    numbers = [_number(t) for t in tokens if t[0].isdigit()] + [NUMBER_WORDS[t] for t in tokens if t in NUMBER_WORDS]
    numbers = [n for n in numbers if n != "1"]  # "one" is as often "a" ("into one", "one line at a time")
    negated = (
        not unique.isdisjoint(NEGATIONS)
        or any(t.endswith("n't") or t.replace("'", "") in NEGATIONS for t in unique if "'" in t)
        or _stops_doing(tokens)
        or any(t.startswith("non") and len(t) >= 7 and t != "nonetheless" for t in unique)  # "nonrefundable"
    )
    terms = {TERMS[t] for t in unique & TERMS.keys()}
    terms |= {
        f"unit:{NUMBER_UNITS[u]}"
        for n, u in zip(tokens, tokens[1:], strict=False)
        if u in NUMBER_UNITS and (n[0].isdigit() or n in NUMBER_WORDS)
    }
    contrasts = {":".join(CONTRASTS[c]) for c in filter(None, map(_contrast, unique))}
    ends = set()
    for i in (i for i, t in enumerate(tokens) if t in _DIRECTIONS):
        end = _direction_end(tokens, i + 1)
        if end is not None:
            ends.add(f"{_DIRECTIONS[tokens[i]]}>{end}")
        swap = _swap_pair(tokens, i)
        if swap is not None:
            ends.add(swap)
    scope = ",".join(sorted({SCOPES[t] for t in unique & SCOPES.keys()}))
    exact = "|".join(
        (",".join(sorted(numbers)), str(int(negated)), ",".join(identifiers), ",".join(sorted(terms)), scope)
    )
    # a name may be spelt lower-case on the other side, where the speller may have changed it
    words = frozenset(_WORD.findall(text.lower())) | frozenset(_WORD.findall(written.lower()))
    words |= {alias for word in words & NAME_ALIASES.keys() for alias in NAME_ALIASES[word]}
    return Facts(
        exact,
        frozenset(ends),
        _names(text),
        words,
        frozenset(contrasts),
        tuple(map(_canonical, tokens)),
        sentences(written),
    )


def signature(text: str) -> str:
    """``facts(text)`` as one compact string, for Redis (``parse`` reads it back)."""
    f = facts(text)
    sets = (f.ends, f.names, f.words, f.contrasts)
    return _SEP.join((f.exact, *(_ITEM.join(sorted(s)) for s in sets), _ITEM.join(f.tokens)))


def parse(signature_text: str) -> Facts:
    """The facts a ``signature`` holds; ValueError for a string that is not one."""
    parts = signature_text.split(_SEP)
    if len(parts) != 6:
        raise ValueError("not a semantic guard signature")
    exact, *sets, tokens = parts
    ends, names, words, contrasts = (_set(s) for s in sets)
    return Facts(exact, ends, names, words, contrasts, tuple(tokens.split(_ITEM)) if tokens else ())


def compatible(cached_text: str, new_text: str) -> bool:
    """May the cached answer to ``cached_text`` serve ``new_text``, as far as the guard can tell?"""
    return facts(cached_text).allows(facts(new_text))


def _elided(token: str) -> tuple[str, ...]:
    """French and Italian elisions as two words ("dall'italiano": "dall", "italiano"); English
    contractions ("don't", "it's") stay one."""
    head, apostrophe, rest = token.partition("'")
    return (head, rest) if apostrophe and head in _ELISIONS else (token,)


def _scripts(token: str) -> tuple[str, ...]:
    """A Japanese run (it holds kana) cut where the script changes: kanji, hiragana, katakana. Its
    words are not spaced, and the whole run as one token would hide the one word two prompts differ
    by ("大阪でおすすめの..." / "福岡でおすすめの...", "明日" / "明後日", "メートル" / "フィート").
    Chinese, without kana, stays one token: its runs carry no such marks to cut at."""
    if _KANA.search(token) is None:
        return (token,)
    return tuple(_JAPANESE_RUN.findall(token))


def _contrast(token: str) -> str | None:
    """The contrast word a token is, or is an inflection of ("archived", "uploads", "enables")."""
    if token in CONTRASTS:
        return token
    if len(token) < 5 or token[0].isdigit():
        return None
    return next((stem for stem in stems(token) if stem in CONTRASTS), None)


def _direction_end(tokens: list[str], start: int) -> str | None:
    """The term or data type right after a direction word (articles and possessives skipped)."""
    for token in tokens[start : start + 3]:
        if token not in _SKIPPED:
            return DIRECTED.get(token)
    return None


def _stops_doing(tokens: list[str]) -> bool:
    """ "stop tracking", "quit smoking": a verb negated by the one before it."""
    return any(t in _CEASING and n.endswith("ing") and len(n) > 5 for t, n in zip(tokens, tokens[1:], strict=False))


def _canonical(token: str) -> str:
    """One spelling per number, term and unit, so that "5 km" and "five kilometres" read alike, and
    "5 min" and "5 minutes"."""
    if token[0].isdigit():
        return _number(token)
    return NUMBER_WORDS.get(token) or TERMS.get(token) or NUMBER_UNITS.get(token, token)


def _swap_pair(tokens: list[str], at: int) -> str | None:
    """The words either side of a direction word as "to~a~b>first": two prompts with the same two
    words around it in the other order ask the other way round ("copy from the server to my laptop")."""
    before = _neighbour(reversed(tokens[max(0, at - 3) : at]))
    after = _neighbour(tokens[at + 1 : at + 4])
    if before is None or after is None or before == after:
        return None
    low, high = sorted((before, after))
    return f"{_DIRECTIONS[tokens[at]]}~{low}~{high}>{before}"


def _neighbour(tokens: Iterable[str]) -> str | None:
    """The first word past articles and numbers, canonical, unless it says nothing by itself."""
    for token in tokens:
        if token in _SKIPPED or token in _CONTAINERS or token[0].isdigit():
            continue
        word = DIRECTED.get(token, token)
        return None if word in STOPWORDS or len(word) < 2 else word
    return None


def _named(names: frozenset[str], words: frozenset[str]) -> bool:
    """Each name is among the words, or (a long name) one slip of the keyboard away from one of
    them: "Selenium" / "selenuim", "Kundennummer" / "kundenummer" (the speller leaves names alone);
    or a listed synonym of one: German capitalises every noun ("der Versand" / "die Lieferung")."""
    return names <= words or all(
        n in words
        or _glued(n, words)
        or (len(n) >= _SLIP_LENGTH and _slipped(n, words))
        or (synonyms(n) and any(interchangeable(n, word) for word in words))
        for n in names
    )


def _glued(name: str, words: frozenset[str]) -> bool:
    """ "ditalia" for "d'Italia": an elided article written onto the name, its apostrophe left out."""
    return len(name) >= 4 and any(word.endswith(name) and word[: -len(name)] in _ELISIONS for word in words)


def _slipped(name: str, words: frozenset[str]) -> bool:
    for word in words:
        if abs(len(word) - len(name)) > 1 or word[0] != name[0]:
            continue
        if len(word) == len(name):
            diff = [i for i, (a, b) in enumerate(zip(word, name, strict=True)) if a != b]
            if len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == name[diff[1]]):
                return True  # one letter replaced, or two neighbours swapped
        else:
            short, long = sorted((word, name), key=len)
            if any(long[:i] + long[i + 1 :] == short for i in range(len(long))):
                return True  # one letter added or dropped
    return False


def _names(text: str) -> frozenset[str]:
    """Capitalised words that do not start a sentence ("Japan", "PayPal", "Everest"), and marks
    (``_MARKS``), lower-cased."""
    found = {(letters or suffix).lower() for letters, suffix in _MARKS.findall(text)}
    for match in _CAPITALISED.finditer(text):
        i = match.start() - 1
        while i >= 0 and text[i].isspace():
            i -= 1
        elided = i > 0 and text[i] == "'" and text[i - 1].isalpha()  # "dell'Austria", "l'Espagne": inside a sentence
        if i >= 0 and (elided or text[i] not in _SENTENCE_ENDS) and len(match.group()) > 1:
            found.add(match.group().lower())
    return frozenset(found)


def _groups(items: frozenset[str], separator: str) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item in items:
        group, _, value = item.partition(separator)
        groups.setdefault(group, set()).add(value)
    return {g: frozenset(v) for g, v in groups.items()}


def _agree(mine: dict[str, frozenset[str]], theirs: dict[str, frozenset[str]]) -> bool:
    """Groups both sides have hold the same values; a group only one side has says nothing."""
    return all(mine[g] == theirs[g] for g in mine.keys() & theirs.keys())


def _set(joined: str) -> frozenset[str]:
    return frozenset(joined.split(_ITEM)) if joined else frozenset()


def _number(token: str) -> str:
    """One spelling per number: 1,000 -> 1000, 5.0 -> 5, 07 -> 7, 3,5 -> 3.5."""
    plain = token.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", token) else token.replace(",", ".")
    try:
        value = float(plain)
    except ValueError:
        return token
    return str(int(value)) if value.is_integer() else repr(value)
