"""Checked reads from model-native JSON bodies, raising ValidationException-shaped errors.

Native InvokeModel bodies come in many vendor shapes, so they are parsed as plain JSON and read
field by field; a wrong type names the field, as Bedrock's own validation does.
"""

from __future__ import annotations

from typing import Any, TypeVar

from gateway.errors import InvalidRequest

Json = dict[str, Any]
T = TypeVar("T")

_NAMES = {str: "a string", int: "an integer", float: "a number", list: "an array", dict: "an object", bool: "a boolean"}


def get(body: Json, name: str, kind: type[T] | tuple[type, ...], where: str = "") -> T | None:
    """``body[name]`` if present and of ``kind`` (ints count as floats; bools never as numbers)."""
    value = body.get(name)
    if value is None:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds and isinstance(value, int) and not isinstance(value, bool):
        return value  # type: ignore[return-value]
    if isinstance(value, bool) and bool not in kinds:
        raise _wrong(where + name, kinds)
    if not isinstance(value, kinds):
        raise _wrong(where + name, kinds)
    return value  # type: ignore[return-value]


def need(body: Json, name: str, kind: type[T] | tuple[type, ...], where: str = "") -> T:
    value: T | None = get(body, name, kind, where)
    if value is None:
        raise InvalidRequest(f"Malformed input request: required key '{where}{name}' not found.", param=where + name)
    return value


def _wrong(name: str, kinds: tuple[type, ...]) -> InvalidRequest:
    expected = " or ".join(_NAMES.get(k, k.__name__) for k in kinds)
    return InvalidRequest(f"Malformed input request: '{name}' must be {expected}.", param=name)


def put(target: Json, name: str, value: object) -> None:
    """Set ``target[name]`` only when there is a value, so unset stays unset for the upstream."""
    if value is not None:
        target[name] = value
