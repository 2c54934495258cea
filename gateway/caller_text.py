"""Caller text echoed in errors (a model's name, a path, a key's id, a directive), cut short as the
chat 404 cuts an unknown model's name (services/catalog.py): a caller's megabyte goes in no message,
span, log line or audit record."""

from __future__ import annotations

MAX_SHOWN = 256  # characters, as services/catalog.py shows an unknown model's name


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` as it may be echoed: whole when short, else its start and "..."."""
    return text if len(text) <= limit else text[:limit] + "..."
