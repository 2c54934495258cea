"""Validating request bodies at the edge, once, from bytes: clear 4xx errors naming the parameter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import orjson
import pydantic_core
from pydantic import BaseModel, ValidationError

from gateway.errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)


_SCALAR_TAGS = frozenset({"str", "int", "float", "bool", "bytes", "none", "dict", "list"})


def _is_union_tag(part: int | str) -> bool:
    """Pydantic names the union branch it tried ('str', 'list[ContentPart]', 'Tool'); callers
    know only field names, which in these schemas are lower-case identifiers."""
    return isinstance(part, str) and ("[" in part or part in _SCALAR_TAGS or part[:1].isupper() or "-" in part)


def _param(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_message(exc: ValidationError) -> tuple[str, str | None]:
    """One readable sentence for the first problem, and the parameter it concerns."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        return (
            f"We could not parse the JSON body of your request. The body must be valid JSON ({first['msg']}).",
            None,
        )
    loc = tuple(p for p in first["loc"] if not _is_union_tag(p))
    param = _param(loc) or None
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    if param is None:
        return f"The request body is invalid: {first['msg']}.", None
    if first["type"] == "missing":
        return f"Missing required parameter: '{param}'.{more}", param
    return f"Invalid value for '{param}': {first['msg']}.{more}", param


def parse_json(model: type[M], body: bytes) -> M:
    """The body as ``model``, every integer in it (free-form fields included) fitting in 64 bits."""
    if not body:
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        parsed = model.model_validate_json(body)
    except ValidationError as exc:
        message, param = validation_message(exc)
        raise InvalidRequest(message, param=param) from None
    check_integers(body)
    return parsed


# ---------------------------------------------------------------- integers wider than 64 bits

# What the upstream's JSON (orjson, on the hot path) can carry: signed or unsigned 64-bit.
INT_MIN, INT_MAX = -(2**63), 2**64 - 1
# Past this size a body is mostly text, which a JSON parser skips faster than a byte scan.
_SCAN_LIMIT = 16_384
_DIGITS = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))  # ASCII digits to "0", every other byte to " "
_RUN = b"0" * 19  # INT_MIN and INT_MAX have 19 and 20 digits: a wider integer needs a run of at least 19


def check_integers(body: bytes, parsed: object = None) -> None:
    """Refuse a JSON body holding an integer outside 64 bits, anywhere (fields that pass through too).

    Pydantic keeps such integers exactly, but they cannot be serialised for the upstream (nor
    stored), so they would fail later as a 500. The cost is paid once, at the edge, and is small:
    a byte scan for a run of 19 digits (small bodies; ~0.2 us for a short chat), else a C round
    trip through orjson, which fails only when such an integer exists; only then is the body walked
    to name the field. ``parsed`` is the body as plain JSON when the caller already has it.
    """
    if len(body) <= _SCAN_LIMIT and _RUN not in body.translate(_DIGITS):
        return
    value = pydantic_core.from_json(body) if parsed is None else parsed
    try:
        orjson.dumps(value)
    except TypeError:
        where = wide_integer_at(value)
        if where is not None:
            param = _param(where) or None
            raise InvalidRequest(
                f"Invalid value for '{param or 'body'}': integers must fit in 64 bits (from {INT_MIN} to {INT_MAX}).",
                param=param,
            ) from None


def wide_integer_at(value: object, at: tuple[int | str, ...] = ()) -> tuple[int | str, ...] | None:
    """Where the first integer outside 64 bits is in plain JSON data (nested at most ~200 deep)."""
    pairs: Iterable[tuple[int | str, object]]
    if isinstance(value, int):
        return None if INT_MIN <= value <= INT_MAX else at
    if isinstance(value, dict):
        pairs = value.items()
    elif isinstance(value, list):
        pairs = enumerate(value)
    else:
        return None
    for key, item in pairs:
        found = wide_integer_at(item, (*at, key))
        if found is not None:
            return found
    return None
