"""Where a value stands in a pasted table, and the header of its column: a payroll export's
"routing" may stand rows above its numbers, and a cell under "Order" is no phone."""

from __future__ import annotations

import re
from bisect import bisect_left

from gateway.guardrails.pii import lines

_TABLE_ROWS = 200  # rows of a table looked past for its header
_RULE_LINE = re.compile(r"[ \t]*[-=]{3,}[-=+| \t]*")


def column_header(text: str, start: int, tops: dict[int, int]) -> str | None:
    """The header cell of the table column holding ``start``, when the value is a table's cell:
    the top line of the run of lines above with as many cells as its own (comma-, tab-, pipe- or
    semicolon-separated, as CSV, TSV and markdown are pasted; a psql rule line looked past), or the
    word over it in a table printed in aligned columns. ``tops`` keeps what ``aligned_header``
    walked, per text. What the line says (its delimiter, its header, where its cells start) is read
    once per line: a long row holds many values."""
    line_start = lines.line_start(text, start)
    if line_start == 0:
        return None
    row = lines.line_fact(text, start, "table row", lambda low, high: _row(text, low, high))
    if row is None:
        return aligned_header(text, line_start, start, tops)
    gappy, names, cell_starts = row
    if gappy:
        # an aligned table whose cells hold a comma ("GARCIA, ELENA        044000244   0001238"): its columns
        aligned = aligned_header(text, line_start, start, tops)
        if aligned is not None:
            return aligned
    if names is None:
        return None
    index = bisect_left(cell_starts, start)  # the delimiters before the value
    return names[index] if index < len(names) else None


def _row(text: str, line_start: int, line_end: int) -> tuple[bool, list[str] | None, list[int]] | None:
    """For a line of delimited cells: whether it may be an aligned table's instead, its header's cell
    names (None without one), and where its delimiters stand; None for a line without delimiters."""
    line = text[line_start:line_end]
    # the commonest of the delimiters ("01 | KOVACS, Daniel | USA": pipes, whatever a name holds)
    delimiter = max((d for d in ",\t|;" if d in line), key=line.count, default=None)
    if delimiter is None:
        return None
    gappy = delimiter == "," and len(_COLUMN_GAP.findall(line)) > line.count(",")
    cells = _delimiters(line, delimiter)
    header = None
    above_end = line_start - 1  # the newline ending the line above
    for _ in range(_TABLE_ROWS):
        above_start = lines.line_start(text, above_end)
        if _delimiters(text[above_start:above_end], delimiter) != cells:
            if not _RULE_LINE.fullmatch(text, above_start, above_end) or above_start == 0:
                break
            above_end = above_start - 1  # psql's "-----+-----" under the header: look past it
            continue
        header = (above_start, above_end)
        if above_start == 0:
            break
        above_end = above_start - 1
    names = None if header is None else text[header[0] : header[1]].split(delimiter)
    return gappy, names, [line_start + at for at in _delimiter_offsets(line, delimiter)]


def _delimiter_offsets(line: str, delimiter: str) -> list[int]:
    """Where ``line``'s delimiters outside double quotes stand (what ``_delimiters`` counts)."""
    offsets, position = [], 0
    for index, part in enumerate(line.split('"')):
        if index % 2 == 0:  # outside quotes
            at = part.find(delimiter)
            while at >= 0:
                offsets.append(position + at)
                at = part.find(delimiter, at + 1)
        position += len(part) + 1
    return offsets


def _delimiters(line: str, delimiter: str) -> int:
    """How many cells ``line`` starts after its first: delimiters outside double quotes (a CSV
    cell "Lee, Hannah" is one cell)."""
    if '"' not in line:
        return line.count(delimiter)
    return sum(part.count(delimiter) for part in line.split('"')[::2])


_TOKEN = re.compile(r"\S+")
_COLUMN_GAP = re.compile(r"\S {2,}\S")


def _aligned(line: str) -> bool:
    """A line of an aligned table: three words or more, two of them apart by a run of spaces."""
    return len(line.split()) >= 3 and _COLUMN_GAP.search(line) is not None


def aligned_header(text: str, line_start: int, start: int, tops: dict[int, int]) -> str | None:
    """The header word above a value in a table printed in aligned columns (R's and pandas' prints,
    ``docker ps``, fixed-width reports): the top line of the run of table-like lines holding the
    value's, when one of its words stands over most of the value. ``tops`` keeps each line's top
    line, so the rows of one table walk up to it once between them."""
    token = _TOKEN.match(text, start)
    if token is None or start > line_start and not text[start - 1].isspace():
        return None
    if not lines.line_fact(text, start, "aligned", lambda low, high: _aligned(text[low:high])):
        return None
    top = _top_line(text, line_start, tops)
    if top == line_start:
        return None  # no table-like line above
    column, width = start - line_start, token.end() - start
    header = text[top : text.find("\n", top)]
    for word in _TOKEN.finditer(header):  # the word over the value (hand-aligned tables drift a column)
        overlap = min(word.end(), column + width) - max(word.start(), column)
        if overlap * 5 >= 3 * min(width, word.end() - word.start()):
            return word.group()
    return None


def _top_line(text: str, line_start: int, tops: dict[int, int]) -> int:
    """The start of the first line of the run of table-like lines that ends with the one at
    ``line_start`` (at most ``_TABLE_ROWS`` above it)."""
    walked = [line_start]
    top = line_start
    while len(walked) <= _TABLE_ROWS and top > 0:
        if top in tops:
            top = tops[top]
            break
        above_start = text.rfind("\n", 0, top - 1) + 1
        if not _aligned(text[above_start : top - 1]):
            break
        top = above_start
        walked.append(top)
    for line in walked:
        tops[line] = top
    return top
