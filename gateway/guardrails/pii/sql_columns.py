"""The column a value of an SQL INSERT stands in: ``INSERT INTO t (emp_id, routing_no, account_no)
VALUES (3301, '019533089', '10158979729')`` names its values in the column list, far from them and
not beside any one (a bulk insert's hundredth tuple is far from it too). Read once per statement:
each value's start and the column it fills."""

from __future__ import annotations

import re
from bisect import bisect_right

_INSERT = re.compile(
    r"(?i:\binsert\s+(?:ignore\s+)?into\s+)[\w.\"`\[\]]{1,200}\s*\((?P<columns>[^()]{1,4000})\)\s*(?i:values)\s*"
)
_REACH = 1 << 20  # characters of tuples read after a statement's VALUES
_NAME_QUOTES = '"`[] \t\r\n'


class Statements:
    """The INSERT statements of one text, each read once: where each cell starts and its column."""

    __slots__ = ("_read", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._read: list[tuple[int, int, list[int], list[str]]] | None = None  # (start, end, cell starts, names)

    def column(self, at: int) -> str | None:
        """The column named for the value starting at ``at``, when it is a cell of an INSERT's tuple."""
        if self._read is None:
            self._read = [_cells(self._text, match) for match in _INSERT.finditer(self._text)]
        for start, end, starts, names in self._read:
            if start <= at < end:
                index = bisect_right(starts, at) - 1
                return names[index] if index >= 0 and names[index] else None
        return None


def _cells(text: str, match: re.Match[str]) -> tuple[int, int, list[int], list[str]]:
    """(where the tuples start, where they end, each cell's start, the column name of each cell)."""
    names = [name.strip(_NAME_QUOTES) for name in match["columns"].split(",")]
    starts: list[int] = []
    columns: list[str] = []
    depth, index, quote = 0, 0, ""
    position, end = match.end(), min(len(text), match.end() + _REACH)
    while position < end:
        char = text[position]
        if quote:
            if char == quote:
                if text.startswith(quote, position + 1):  # '' inside a string: one quote
                    position += 1
                else:
                    quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
            if depth == 1:
                index = 0
                starts.append(position + 1)
                columns.append(names[0] if names else "")
        elif char == ")":
            depth -= 1
            if depth < 0:
                break
        elif char == "," and depth == 1:
            index += 1
            starts.append(position + 1)
            columns.append(names[index] if index < len(names) else "")
        elif char == ";" and depth == 0:
            break
        elif depth == 0 and char not in " \t\r\n,":
            break  # the statement's tuples have ended (ON CONFLICT, RETURNING...)
        position += 1
    return match.end(), position, starts, columns
