"""How the CLI shows results: aligned tables for people, JSON for scripts (``--json``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any


def _model(value: Any) -> bool:
    """A pydantic model (told by its method: pydantic itself is not imported for --help or serve)."""
    return callable(getattr(value, "model_dump", None)) and not isinstance(value, type)


def jsonable(value: Any) -> Any:
    if _model(value):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    print(json.dumps(jsonable(value), indent=2, ensure_ascii=False))


def cell(value: Any) -> str:
    """A value as a table shows it: ``-`` for nothing, numbers without noise, times to the second."""
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".") if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if _model(value):
        value = value.model_dump(exclude_none=True)
    if isinstance(value, dict):
        return " ".join(f"{k}={_plain(v)}" for k, v in value.items()) or "-"
    return str(value)


def _plain(value: Any) -> str:
    """A value inside ``name=value`` pairs: as it would be typed back (no thousands separators)."""
    if isinstance(value, float):
        return f"{value:g}"
    if _model(value):
        value = value.model_dump(exclude_none=True)
    if isinstance(value, dict):
        return " ".join(f"{k}={_plain(v)}" for k, v in value.items())
    return str(value)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], footer: Sequence[Any] | None = None) -> str:
    """Columns padded to their widest cell, numbers right-aligned; a rule above the footer."""
    body = [[cell(v) for v in row] for row in rows]
    tail = [cell(v) for v in footer] if footer is not None else None
    every = [list(headers), *body, *([tail] if tail else [])]
    widths = [max(len(r[i]) for r in every) for i in range(len(headers))]
    right = [any(_numeric(row[i]) for row in [*rows, *([footer] if footer else [])]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    lines = [line(headers)] + [line(r) for r in body]
    if tail is not None:
        lines += ["  ".join("-" * w for w in widths), line(tail)]
    return "\n".join(lines)


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    """One record as ``name: value`` lines."""
    width = max(len(name) for name, _ in pairs)
    return "\n".join(f"{name.ljust(width)}  {cell(value)}" for name, value in pairs)


def info(message: str) -> None:
    """A note for the person at the terminal (stderr: stdout stays the result)."""
    print(message, file=sys.stderr)
