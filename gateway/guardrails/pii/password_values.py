"""How a password's value looks and where an unquoted one ends: what ``secrets.py`` and the
credential forms judge values by.

An unquoted value ends before Han, kana or Hangul written flush after it ("パスワードはX!です",
"Password: X。次へ"), and before a ";" that opens the next key of a ``key=value;`` string
(ADO.NET, ODBC and JDBC connection strings: "Password=X;TrustServerCertificate=True"). A ";" with
no key after it stays in the value ("password=Fe;n#88river").
"""

from __future__ import annotations

import re

# CJK punctuation, kana, Han, Hangul and the fullwidth forms (a value's own ASCII stands before them)
_UNSPACED_SCRIPT = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff01-\uff60]")
_NEXT_KEY = re.compile(r";[ \t]*[A-Za-z_][\w .-]{0,40}=")


def unquoted_end(text: str, start: int, end: int) -> int:
    """Where the unquoted value ``text[start:end]`` really ends (see the module's note)."""
    if not _UNSPACED_SCRIPT.match(text, start):
        unspaced = _UNSPACED_SCRIPT.search(text, start, end)
        if unspaced is not None:
            end = unspaced.start()
    semicolon = text.find(";", start, end)
    while semicolon >= 0:
        if _NEXT_KEY.match(text, semicolon):
            return semicolon
        semicolon = text.find(";", semicolon + 1, end)
    return end


def random_looking(value: str) -> bool:
    """Long, with digits, capitals and small letters: a key ("SG.x9Kq2mVn4R...") is no attribute chain."""
    return len(value) >= 24 and any(c.isdigit() for c in value) and not value.islower() and not value.isupper()


def three_kinds(value: str) -> bool:
    """Lower case, upper case, digits, symbols: three of them at least, and six characters."""
    kinds = (
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
        any(not c.isalnum() for c in value),
    )
    return len(value) >= 6 and sum(kinds) >= 3


def mixed(value: str) -> bool:
    """A digit, or a symbol beside capitals: how a chosen password looks, unlike "reset-link"."""
    return any(c.isdigit() for c in value) or (
        any(c in "!@#$%^&*+=?~" for c in value) and any(c.isupper() for c in value)
    )
