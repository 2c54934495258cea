"""NUL characters (``\\x00``, ``%00`` in an address, ``\\u0000`` in JSON) in what the admin API and
the console take: refused with a 400 before they reach the database. PostgreSQL cannot store NUL
in text (asyncpg: "invalid byte sequence for encoding UTF8: 0x00", a 500), SQLite would store it;
no id, name, tag or filter needs one, so both stores answer the same 400.

Checked in one place per way in: the address (path and query string) by the console's boundary
and the admin API's ``require_admin``, the console's forms where they are read, the admin API's
bodies by their schemas. The model-call surfaces are not checked here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.types import Scope

NUL = "\x00"
IN_ADDRESS = (
    "The address holds a NUL character (%00), which no id, name or filter may contain. "
    "Check the link, or remove it from what you typed."
)
IN_TEXT = "holds a NUL character (\\u0000), which no id, name or tag may contain"
IN_FORM = "A field of the form holds a NUL character, which no id, name or tag may contain; remove it and try again."


def in_address(scope: Scope) -> str | None:
    """Where the request's address (percent-decoded) holds a NUL: "path", the query parameter's
    name, "query" when the name itself holds it; None when it holds none."""
    if NUL in scope.get("path", ""):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" not in unquote_to_bytes(query.replace(b"+", b" ")):
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if NUL in value and NUL not in name:
            return name[:100]
    return "query"


def holds_nul(value: Any) -> bool:
    """Whether a string, or any string inside lists and mappings (keys included), holds a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(item) for item in value)
    return False
