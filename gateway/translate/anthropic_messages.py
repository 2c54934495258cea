"""Anthropic Messages requests -> canonical (OpenAI chat) requests: pure functions, no I/O.

The body is read once as plain JSON and the canonical request validated once, from the dict
built here; each value's type is checked as it is read, and sampling values are held to Anthropic's
ranges (the API's other rules: ``check_request`` in gateway/schemas/anthropic.py). ``system``
becomes a system message; a user turn's ``tool_result`` blocks become ``tool`` messages placed
first (OpenAI wants them right after the assistant's ``tool_calls``), its other blocks one user
message after them; an assistant turn's ``tool_use`` blocks become ``tool_calls``. Images go on as
data URLs (or URLs), text documents inline, PDFs as ``file`` parts.

What only an Anthropic-speaking upstream understands rides along as the canonical form's extra
fields, in litellm's spelling, so that a Claude deployment behind litellm keeps it: ``cache_control``
on content parts, tool messages, tool calls and tools (and at the top level), an assistant turn's
``thinking_blocks`` (thinking and redacted thinking, signatures included), and ``thinking`` and
``top_k``. Where a block carries none, its text goes on as a plain string, which every upstream reads.
"""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from gateway.errors import InvalidRequest
from gateway.schemas.anthropic import SAMPLING_BOUNDS
from providers.anthropic_extensions import has_anthropic_extensions
from providers.canonical import ChatCompletionRequest

Json = dict[str, Any]
T = TypeVar("T")

_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "an object", bool: "a boolean"}
_TOOL_CHOICE = {"auto": "auto", "any": "required", "none": "none"}
_DOCUMENT_TYPES = {"base64", "text", "content"}


# ---------------------------------------------------------------- checked reads


def get(body: Json, name: str, kind: type[T], at: str = "") -> T | None:
    """``body[name]`` if present and of ``kind`` (ints count as numbers; booleans never do)."""
    value = body.get(name)
    if value is None:
        return None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return value  # type: ignore[return-value]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidRequest(f"{at}{name}: Input should be {_NAMES.get(kind, kind.__name__)}.", param=at + name)
    return value


def need(body: Json, name: str, kind: type[T], at: str = "") -> T:
    value = get(body, name, kind, at)
    if value is None:
        raise InvalidRequest(f"{at}{name}: Field required.", param=at + name)
    return value


# ---------------------------------------------------------------- requests


def to_chat(body: Json, *, stream: bool = False, counting: bool = False) -> ChatCompletionRequest:
    """The canonical request for a Messages body (``counting``: count_tokens', no ``max_tokens``)."""
    request: Json = {"model": need(body, "model", str)}
    if not counting:
        request["max_tokens"] = need(body, "max_tokens", int)
    request["messages"] = system_messages(body.get("system")) + chat_messages(need(body, "messages", list))
    _sampling(request, body)
    tools = get(body, "tools", list)
    if tools:
        request["tools"] = [_tool(tool, f"tools.{i}.") for i, tool in enumerate(tools)]
    choice = get(body, "tool_choice", dict)
    if choice is not None:
        _tool_choice(request, choice, {t.get("name") for t in tools or () if isinstance(t, dict)})
    for name in ("thinking", "cache_control"):
        _put(request, name, get(body, name, dict))
    output = get(body, "output_config", dict)
    if output is not None:
        _output_format(request, output)
    if stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}  # message_delta always carries usage
    return canonical(request)


def canonical(request: Json) -> ChatCompletionRequest:
    """The canonical request, validated once (a value Anthropic allows but OpenAI's form does not
    is the caller's 400)."""
    if not request["messages"]:
        raise InvalidRequest("messages: at least one message is required.", param="messages")
    try:
        result = ChatCompletionRequest.model_validate(request)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidRequest(f"{where}: {first['msg']}.", param=where or None) from None
    result._anthropic_extensions = has_anthropic_extensions(request)
    return result


def _sampling(request: Json, body: Json) -> None:
    _put(request, "temperature", _in_range("temperature", get(body, "temperature", float)))
    _put(request, "top_p", _in_range("top_p", get(body, "top_p", float)))
    _put(request, "top_k", _in_range("top_k", get(body, "top_k", int)))
    stops = get(body, "stop_sequences", list)
    if stops:
        if not all(isinstance(s, str) for s in stops):
            raise InvalidRequest("stop_sequences: Input should be a list of strings.", param="stop_sequences")
        request["stop"] = stops
    metadata = get(body, "metadata", dict)
    user = get(metadata, "user_id", str, "metadata.") if metadata else None
    _put(request, "user", user)  # OpenAI's end-user id; litellm hands it to Anthropic as metadata.user_id


def _in_range(name: str, value: float | None) -> float | None:
    """The value, within Anthropic's range (temperature up to 1, where OpenAI's form takes 2)."""
    low, high = SAMPLING_BOUNDS[name]
    if value is not None and low is not None and value < low:
        raise InvalidRequest(f"{name}: Input should be greater than or equal to {low:g}.", param=name)
    if value is not None and high is not None and value > high:
        raise InvalidRequest(f"{name}: Input should be less than or equal to {high:g}.", param=name)
    return value


def _put(target: Json, name: str, value: object) -> None:
    if value is not None:
        target[name] = value


def system_messages(system: Any) -> list[Json]:
    if system is None or system == "":
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    if not isinstance(system, list):
        raise InvalidRequest("system: Input should be a string or a list of text blocks.", param="system")
    parts = []
    for i, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text":
            raise InvalidRequest(f"system.{i}: only text blocks are allowed in system.", param=f"system.{i}")
        parts.append(_text_part(block, f"system.{i}."))
    return [{"role": "system", "content": _content(parts)}] if parts else []


def chat_messages(messages: list[Any]) -> list[Json]:
    out: list[Json] = []
    for i, message in enumerate(messages):
        at = f"messages.{i}."
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InvalidRequest(f"{at}role: Input should be 'user' or 'assistant'.", param=at + "role")
        content = message.get("content")
        if isinstance(content, str):
            out.append({"role": message["role"], "content": content})
        elif isinstance(content, list):
            out.extend(_assistant(content, at) if message["role"] == "assistant" else _user(content, at))
        else:
            raise InvalidRequest(f"{at}content: Input should be a string or a list of blocks.", param=at + "content")
    return out


def _blocks(content: list[Any], at: str) -> list[tuple[str, Json]]:
    typed = []
    for j, block in enumerate(content):
        where = f"{at}content.{j}."
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise InvalidRequest(f"{where[:-1]}: a content block must be an object with a 'type'.", param=where[:-1])
        typed.append((where, block))
    return typed


def _content(parts: list[Json]) -> str | list[Json]:
    """One plain text part is sent as a string; anything else (several blocks, images,
    cache_control) as parts."""
    if len(parts) == 1 and parts[0]["type"] == "text" and len(parts[0]) == 2:
        text: str = parts[0]["text"]
        return text
    return parts


def _user(content: list[Any], at: str) -> list[Json]:
    out: list[Json] = []
    parts: list[Json] = []
    for where, block in _blocks(content, at):
        kind = block["type"]
        if kind == "tool_result":
            out.append(_tool_result(block, where))
        else:
            parts.append(_part(block, where))
    if parts or not out:
        out.append({"role": "user", "content": _content(parts) if parts else ""})
    return out


def _part(block: Json, where: str) -> Json:
    kind = block["type"]
    if kind == "text":
        return _text_part(block, where)
    if kind == "image":
        part: Json = {"type": "image_url", "image_url": {"url": _source_url(block, where)}}
    elif kind == "document":
        part = _document(block, where)
    else:
        raise InvalidRequest(f"{where}type: '{kind}' blocks are not supported here.", param=where + "type")
    _put(part, "cache_control", get(block, "cache_control", dict, where))
    return part


def _text_part(block: Json, where: str) -> Json:
    part: Json = {"type": "text", "text": need(block, "text", str, where)}
    _put(part, "cache_control", get(block, "cache_control", dict, where))
    return part


def _source_url(block: Json, where: str) -> str:
    source = need(block, "source", dict, where)
    at = where + "source."
    if source.get("type") == "url":
        return need(source, "url", str, at)
    if source.get("type") != "base64":
        raise InvalidRequest(f"{at}type: Input should be 'base64' or 'url'.", param=at + "type")
    return f"data:{need(source, 'media_type', str, at)};base64,{need(source, 'data', str, at)}"


def _document(block: Json, where: str) -> Json:
    source = need(block, "source", dict, where)
    kind = source.get("type")
    if not isinstance(kind, str) or kind not in _DOCUMENT_TYPES:  # a list or object is no type (nor hashable)
        raise InvalidRequest(
            f"{where}source.type: documents are taken as base64, text or content blocks.", param=where + "source"
        )
    if kind == "text":
        return {"type": "text", "text": need(source, "data", str, where + "source.")}
    if kind == "content":
        blocks = need(source, "content", list, where + "source.")
        return {"type": "text", "text": "\n".join(_text_of(b) for b in blocks)}
    filename = str(block.get("title") or "document")
    return {"type": "file", "file": {"filename": filename, "file_data": _source_url(block, where)}}


def _text_of(block: Any) -> str:
    return str(block.get("text", "")) if isinstance(block, dict) and block.get("type") == "text" else ""


def _tool_result(block: Json, where: str) -> Json:
    content = block.get("content")
    result: str | list[Json]
    if content is None or isinstance(content, str):
        result = content or ""
    elif isinstance(content, list):
        parts = [_part(b, w) for w, b in _blocks(content, where)]
        result = "\n".join(p["text"] for p in parts) if all(p.keys() == {"type", "text"} for p in parts) else parts
    else:
        raise InvalidRequest(f"{where}content: Input should be a string or a list of blocks.", param=where + "content")
    if get(block, "is_error", bool, where):
        result = f"Error: {result}" if isinstance(result, str) else [{"type": "text", "text": "Error:"}, *result]
    message: Json = {"role": "tool", "tool_call_id": need(block, "tool_use_id", str, where), "content": result}
    _put(message, "cache_control", get(block, "cache_control", dict, where))
    return message


def _assistant(content: list[Any], at: str) -> list[Json]:
    parts: list[Json] = []
    calls: list[Json] = []
    thinking: list[Json] = []
    for where, block in _blocks(content, at):
        kind = block["type"]
        if kind == "text":
            parts.append(_text_part(block, where))
        elif kind == "tool_use":
            calls.append(_tool_call(block, where))
        elif kind == "thinking":
            thinking.append(
                {
                    "type": "thinking",
                    "thinking": need(block, "thinking", str, where),
                    "signature": get(block, "signature", str, where) or "",
                }
            )
        elif kind == "redacted_thinking":
            thinking.append({"type": "redacted_thinking", "data": need(block, "data", str, where)})
        else:
            raise InvalidRequest(f"{where}type: '{kind}' blocks are not supported in assistant turns.")
    message: Json = {"role": "assistant", "content": _content(parts) if parts else ("" if not calls else None)}
    if calls:
        message["tool_calls"] = calls
    if thinking:
        message["thinking_blocks"] = thinking
    return [message]


def _tool_call(block: Json, where: str) -> Json:
    arguments = block.get("input")
    if arguments is None:
        arguments = {}
    elif not isinstance(arguments, dict):
        raise InvalidRequest(f"{where}input: Input should be an object.", param=where + "input")
    call: Json = {
        "id": need(block, "id", str, where),
        "type": "function",
        "function": {"name": need(block, "name", str, where), "arguments": orjson.dumps(arguments).decode()},
    }
    _put(call, "cache_control", get(block, "cache_control", dict, where))
    return call


def _tool(tool: Any, at: str) -> Json:
    if not isinstance(tool, dict):
        raise InvalidRequest(f"{at[:-1]}: Input should be an object.", param=at[:-1])
    kind = tool.get("type")
    if kind not in (None, "custom"):
        raise InvalidRequest(
            f"{at}type: '{kind}' is a server tool, which this gateway does not run; define a custom tool.",
            param=at + "type",
        )
    function: Json = {"name": need(tool, "name", str, at), "parameters": get(tool, "input_schema", dict, at) or {}}
    _put(function, "description", get(tool, "description", str, at))
    _put(function, "strict", get(tool, "strict", bool, at))
    out: Json = {"type": "function", "function": function}
    _put(out, "cache_control", get(tool, "cache_control", dict, at))
    return out


def _tool_choice(request: Json, choice: Json, names: set[Any]) -> None:
    kind = choice.get("type")
    if kind == "tool":
        name = need(choice, "name", str, "tool_choice.")
        if name not in names:
            raise InvalidRequest(f"tool_choice.name: {name!r} is not one of the tools.", param="tool_choice")
        request["tool_choice"] = {"type": "function", "function": {"name": name}}
    elif isinstance(kind, str) and kind in _TOOL_CHOICE:
        request["tool_choice"] = _TOOL_CHOICE[kind]
    else:
        raise InvalidRequest("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'.", param="tool_choice")
    if get(choice, "disable_parallel_tool_use", bool, "tool_choice."):
        request["parallel_tool_calls"] = False


def _output_format(request: Json, output: Json) -> None:
    """Structured outputs (``output_config.format``) as OpenAI's JSON-schema response format."""
    found = get(output, "format", dict, "output_config.")
    if found is None:
        return
    if found.get("type") != "json_schema":
        raise InvalidRequest("output_config.format.type: Input should be 'json_schema'.", param="output_config")
    schema = need(found, "schema", dict, "output_config.format.")
    request["response_format"] = {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}
