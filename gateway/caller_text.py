"""Caller text echoed in errors (a model's name, a path, a key's id, a directive), cut short as the
chat 404 cuts an unknown model's name (services/catalog.py): a caller's megabyte goes in no message,
span, log line or audit record. And made encodable: a lone UTF-16 surrogate (JSON's ``"\\ud800"``
decodes to one) has no UTF-8 form, so no JSON body, log line or database takes it as it is; it is
shown escaped (``\\ud800``) instead."""

from __future__ import annotations

from typing import Any

MAX_SHOWN = 256  # characters, as services/catalog.py shows an unknown model's name


def encodable(text: str) -> str:
    """``text`` itself when it can be encoded as UTF-8; else with each lone surrogate escaped."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def holds_surrogate(value: Any) -> bool:
    """Whether a string, or any string inside lists and mappings (keys included), has no UTF-8 form."""
    if isinstance(value, str):
        return encodable(value) is not value
    if isinstance(value, dict):
        return any(holds_surrogate(key) or holds_surrogate(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(holds_surrogate(item) for item in value)
    return False


def shown(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` as it may be echoed: whole when short, else its start and "...", lone surrogates escaped."""
    return encodable(text if len(text) <= limit else text[:limit] + "...")
