"""Validating request bodies at the edge, once, from bytes: clear 4xx errors naming the parameter."""

from __future__ import annotations

from typing import TypeVar

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
    if not body:
        raise InvalidRequest("The request body is empty; send a JSON object.")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        message, param = validation_message(exc)
        raise InvalidRequest(message, param=param) from None
