"""Text as the pattern detectors and word filters read it, with a way back to the caller's offsets.

Two things hide a value or a word from a pattern without changing what a reader sees:

- invisible characters inside it (zero-width space, zero-width (non-)joiner, word joiner, soft
  hyphen, byte order mark, bidirectional marks, variation selectors...): "zebra\\u200bcorn" reads as "zebracorn";
- other forms of ASCII characters: fullwidth letters, digits and punctuation ("４１１１", "ＳＳＮ",
  "＠"), the ideographic, no-break and thin spaces, and the decimal digits of other scripts ("٤١١١"), which ``\\d``
  matches but the check digit code cannot read.

A third hides where a value ends: JSON's escapes, when the text is JSON (a tool call's arguments,
a tool result, a pasted config): in ``"DB_PASSWORD=s3cr3t\\nDB_USER=app"`` the password ran on into
the next line, and a mask ending inside ``\\"`` broke the JSON and left the rest of the value
visible. They are read as what they stand for, keeping their length: ``\\n``, ``\\t`` and ``\\r``
as spaces, ``\\"`` as quotes (a value ends there, never inside the escape), ``\\uXXXX`` as
characters of a word (an accented e-mail address is masked whole).

``fold`` removes the first and replaces the others, one character for one. Findings in the folded
text are mapped back (``Folded.span``) so that every offset reported is one into the original
text. An ASCII text is its own folding, at the cost of one ``isascii``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

# Characters with no width and no meaning inside a word or a number: zero-width spaces and joiners,
# soft hyphens, bidirectional marks, embeddings, overrides and isolates, variation selectors, tag
# characters and Hangul fillers (a regular expression's character class).
IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f"
)
_IGNORED = re.compile(f"[{IGNORABLE}]+")


def without_ignorable(text: str) -> str:
    """``text`` with the invisible characters above taken out (no way back to its offsets)."""
    return text if text.isascii() else _IGNORED.sub("", text)


_FULLWIDTH_FIRST, _FULLWIDTH_LAST, _FULLWIDTH_SHIFT = 0xFF01, 0xFF5E, 0xFEE0  # "！" to "～": "!" to "~"
# Spaces a reader sees as one: the ideographic space, and the no-break, narrow no-break, thin, figure
# and other fixed-width spaces number formatting writes between a number's groups ("4 111 1111").
_SPACES = frozenset({0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000})


@dataclass(frozen=True, slots=True)
class Folded:
    """``text`` folded; ``wide`` is the original with only the one-for-one replacements (same length,
    same offsets). ``_folded_at`` and ``_original_at`` say where each stretch of ``text`` between
    removed characters starts, in ``text`` and in the original."""

    text: str
    wide: str
    _folded_at: tuple[int, ...] = ()
    _original_at: tuple[int, ...] = ()

    @property
    def removed(self) -> bool:
        """Whether invisible characters were taken out (offsets in ``text`` then need ``span``)."""
        return bool(self._folded_at)

    def _position(self, index: int) -> int:
        """The original offset of the character at ``index`` of ``text`` (or of its end)."""
        stretch = bisect_right(self._folded_at, index) - 1
        return self._original_at[stretch] + index - self._folded_at[stretch]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A span of ``text`` as a span of the original: from its first character to its last, so
        invisible characters inside it are in it and those around it are not."""
        if not self._folded_at:
            return start, end
        if start == len(self.text):
            first = self._position(start - 1) + 1 if start else 0
            return first, first
        first = self._position(start)
        return first, (self._position(end - 1) + 1 if end > start else first)


def _replacements(text: str) -> dict[int, int]:
    """The one-for-one replacements the non-ASCII characters of ``text`` need."""
    table: dict[int, int] = {}
    for char in set(text):
        code = ord(char)
        if code < 0x80:
            continue
        if _FULLWIDTH_FIRST <= code <= _FULLWIDTH_LAST:
            table[code] = code - _FULLWIDTH_SHIFT
        elif code in _SPACES:
            table[code] = 0x20
        elif char.isdecimal():
            table[code] = 0x30 + unicodedata.decimal(char)
    return table


_ESCAPE = re.compile(r'\\(?:[nrt]|"|u[0-9a-fA-F]{4})')


def _unescaped(match: re.Match[str]) -> str:
    """An escape as a same-length stand-in: whitespace for a line break or tab, two quotes for a quote
    (a value ends at it: a mask never takes half of the escape), word characters for a code point."""
    escape = match.group()
    if escape[1] in "nrt":
        return "  "
    return '""' if escape[1] == '"' else "_" * len(escape)


def fold(text: str) -> Folded:
    """``text`` as the detectors read it (see the module docstring)."""
    if "\\" in text:
        text = _ESCAPE.sub(_unescaped, text)
    if text.isascii():
        return Folded(text, text)
    table = _replacements(text)
    wide = text.translate(table) if table else text
    pieces: list[str] = []
    folded_at: list[int] = [0]
    original_at: list[int] = [0]
    position = length = 0
    for run in _IGNORED.finditer(wide):
        pieces.append(wide[position : run.start()])
        length += run.start() - position
        position = run.end()
        folded_at.append(length)
        original_at.append(position)
    if not pieces:
        return Folded(wide, wide)
    pieces.append(wide[position:])
    return Folded("".join(pieces), wide, tuple(folded_at), tuple(original_at))


# Han, kana and Hangul: scripts written without spaces, whose letters are word characters to the
# patterns' boundaries, so "番号は5196030824628192です" held no card number and "IP는 172.31.255.10입니다"
# no address.
_SPACELESS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_SPACELESS_EDGE = re.compile(f"[{_SPACELESS}](?=[A-Za-z0-9+(])|(?<=[A-Za-z0-9)])[{_SPACELESS}]")


def spaceless_separated(text: str) -> str | None:
    """``text`` with each Han, kana or Hangul character that touches a Latin letter or a digit read
    as a space (same length, so offsets stay), for a second reading; None when none touches one."""
    if text.isascii() or _SPACELESS_EDGE.search(text) is None:
        return None
    return _SPACELESS_EDGE.sub(" ", text)
