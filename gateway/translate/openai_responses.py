"""Responses API requests -> canonical chat requests: pure functions, no I/O.

``instructions`` become a system message; then the stored conversation of
``previous_response_id`` (messages in the canonical form, instructions excluded, as at OpenAI);
then ``input``: a string is one user message; message items keep their role (``developer``
becomes ``system``, which every backend knows), ``input_text`` and ``input_image`` parts become
text and image_url parts; ``function_call`` items become the assistant's ``tool_calls`` (joined to
the assistant message just before them, as the output they came from had them);
``function_call_output`` items become ``tool`` messages; ``reasoning`` items are dropped (no
backend behind the chat form can take them back). Function tools become chat tools; built-in
tools (web search, file search...) are refused with a 400, as is anything else Strata cannot do.

Responses (what comes back) are built by gateway/translate/openai_responses_output.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from gateway.errors import InvalidRequest
from gateway.schemas.responses import ResponsesRequest
from gateway.translate.bedrock_converse import canonical
from providers.canonical import ChatCompletionRequest

Json = dict[str, Any]

# Responses-only parameters that change nothing once the call is a chat completion.
_IGNORED = frozenset({"include", "truncation", "stream_options", "max_tool_calls", "prompt_cache_retention"})
_REFUSED = {
    "background": "Background responses are not supported by this gateway; send the request without 'background'.",
    "conversation": "The Conversations API is not supported by this gateway; use 'previous_response_id' instead.",
    "prompt": "Stored prompt templates are not supported by this gateway; send 'instructions' and 'input' instead.",
    "top_logprobs": "Log probabilities are not supported on /v1/responses.",
}
_OWN = frozenset({"store", "previous_response_id", "metadata"})  # Strata's to act on, never the upstream's
_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}
_TEXT_PARTS = frozenset({"input_text", "output_text", "text"})


def new_id(prefix: str) -> str:
    """``resp_``, ``msg_``, ``fc_`` + 48 random hex digits: unguessable, as stored ids must be."""
    return f"{prefix}_{os.urandom(24).hex()}"


@dataclass(frozen=True, slots=True)
class Turn:
    """The canonical request of one turn; its messages from ``first`` on are the conversation
    (what a later turn's ``previous_response_id`` brings back)."""

    request: ChatCompletionRequest
    first: int


# ---------------------------------------------------------------- requests


def responses_to_chat(body: ResponsesRequest, history: list[Json], *, stream: bool) -> Turn:
    """The canonical request for a Responses body, after the stored conversation ``history``."""
    request: Json = _passthrough(body.model_extra)
    request["model"] = body.model
    system = [{"role": "system", "content": body.instructions}] if body.instructions else []
    given = input_messages(body.input)
    _check_outputs([*history, *given], len(history))
    request["messages"] = [*system, *history, *given]
    _put(request, "max_tokens", body.max_output_tokens)
    _put(request, "temperature", body.temperature)
    _put(request, "top_p", body.top_p)
    _put(request, "user", body.user)
    if body.tools:
        request["tools"] = [_tool(tool, f"tools[{i}]") for i, tool in enumerate(body.tools)]
        _put(request, "parallel_tool_calls", body.parallel_tool_calls)
    if body.tool_choice is not None:
        request["tool_choice"] = _tool_choice(
            body.tool_choice, {t["function"]["name"] for t in request.get("tools", ())}
        )
    if body.text is not None:
        _put(request, "response_format", _response_format(body.text.get("format")))
    if body.reasoning is not None:
        _put(request, "reasoning_effort", body.reasoning.get("effort"))
    if stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}  # response.completed always carries usage
    return Turn(canonical(request), len(system))


def _put(target: Json, name: str, value: object) -> None:
    if value is not None:
        target[name] = value


def _passthrough(extra: dict[str, Any] | None) -> Json:
    """Vendor parameters go on to the upstream; Responses-only ones are dropped or refused."""
    if not extra:
        return {}
    out: Json = {}
    for name, value in extra.items():
        if name in _REFUSED:
            if value not in (None, False, 0):
                raise InvalidRequest(_REFUSED[name], param=name)
        elif name not in _IGNORED and name not in _OWN:
            out[name] = value
    return out


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(f"Missing required parameter: '{param}'.", param=param)


def _text(item: Json, name: str, where: str, required: bool = True) -> str | None:
    value = item.get(name)
    if value is None:
        if required:
            raise _missing(f"{where}.{name}")
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"Invalid type for '{where}.{name}': expected a string.", param=f"{where}.{name}")
    return value


def _object(value: Any, where: str) -> Json:
    if not isinstance(value, dict):
        raise InvalidRequest(f"Invalid type for '{where}': expected an object.", param=where)
    return value


def input_messages(given: str | list[Json]) -> list[Json]:
    """The canonical messages of ``input``."""
    if isinstance(given, str):
        return [{"role": "user", "content": given}]
    out: list[Json] = []
    for i, item in enumerate(given):
        where = f"input[{i}]"
        kind = item.get("type", "message")
        if kind == "message":
            out.append(_message(item, where))
        elif kind == "function_call":
            _function_call(out, item, where)
        elif kind == "function_call_output":
            out.append(_tool_output(item, where))
        elif kind == "item_reference":
            raise InvalidRequest(
                f"Item references are not supported ({where}); send the item itself, or use previous_response_id.",
                param=where,
            )
        elif kind != "reasoning":
            raise InvalidRequest(
                f"Input items of type {str(kind)[:64]!r} are not supported ({where}): send messages, function_call "
                "and function_call_output items.",
                param=f"{where}.type",
            )
    if not out:
        raise InvalidRequest("'input' must hold at least one message.", param="input")
    return out


def _message(item: Json, where: str) -> Json:
    role = _text(item, "role", where)
    assert role is not None
    if role not in _ROLES:
        raise InvalidRequest(
            f"Invalid value for '{where}.role': {role[:64]!r}; use user, assistant, system or developer.",
            param=f"{where}.role",
        )
    content = item.get("content")
    if content is None:
        raise _missing(f"{where}.content")
    return {"role": _ROLES[role], "content": _content(content, f"{where}.content", role == "user")}


def _content(content: Any, where: str, images: bool) -> str | list[Json]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest(f"Invalid type for '{where}': expected a string or an array of parts.", param=where)
    parts = [_part(_object(part, f"{where}[{i}]"), f"{where}[{i}]", images) for i, part in enumerate(content)]
    if len(parts) == 1 and parts[0]["type"] == "text":
        text: str = parts[0]["text"]
        return text
    return parts


def _part(part: Json, where: str, images: bool) -> Json:
    kind = part.get("type")
    if not isinstance(kind, str):
        raise InvalidRequest(f"Invalid type for '{where}.type': expected a string.", param=f"{where}.type")
    if kind in _TEXT_PARTS:
        return {"type": "text", "text": _text(part, "text", where)}
    if kind == "refusal":
        return {"type": "text", "text": _text(part, "refusal", where)}
    if kind == "input_image" and images:
        url = _text(part, "image_url", where, required=False)
        if url is None:
            raise InvalidRequest(
                f"Images by file_id are not supported ({where}); send image_url (a URL or a data URL).",
                param=f"{where}.image_url",
            )
        image: Json = {"url": url}
        _put(image, "detail", _text(part, "detail", where, required=False))
        return {"type": "image_url", "image_url": image}
    raise InvalidRequest(
        f"Content parts of type {str(kind)[:64]!r} are not supported in {where}; send input_text"
        + (" or input_image." if images else "."),
        param=f"{where}.type",
    )


def _function_call(out: list[Json], item: Json, where: str) -> None:
    """A call the model made: a tool call of the assistant message just before, or of a new one."""
    call = {
        "id": _text(item, "call_id", where),
        "type": "function",
        "function": {"name": _text(item, "name", where), "arguments": _text(item, "arguments", where)},
    }
    if out and out[-1]["role"] == "assistant":
        out[-1].setdefault("tool_calls", []).append(call)
    else:
        out.append({"role": "assistant", "content": None, "tool_calls": [call]})


def _check_outputs(messages: list[Json], first: int) -> None:
    """Each function_call_output of the input (its messages from ``first`` on) answers a function
    call made before it, in the input or an earlier turn, as OpenAI requires."""
    calls: set[str] = set()
    for i, message in enumerate(messages):
        if message["role"] == "assistant":
            calls.update(call["id"] for call in message.get("tool_calls") or ())
        elif i >= first and message["role"] == "tool" and message["tool_call_id"] not in calls:
            raise InvalidRequest(
                f"No tool call found for function call output with call_id {message['tool_call_id'][:128]}.",
                param="input",
            )


def _tool_output(item: Json, where: str) -> Json:
    output = item.get("output")
    if output is None:
        raise _missing(f"{where}.output")
    return {
        "role": "tool",
        "tool_call_id": _text(item, "call_id", where),
        "content": _content(output, f"{where}.output", images=False),
    }


def _tool(tool: Json, where: str) -> Json:
    kind = tool.get("type")
    if kind != "function":
        raise InvalidRequest(
            f"The tool type {str(kind)[:64]!r} ({where}) is not supported: this gateway serves function tools only "
            "(built-in tools such as web_search or file_search run at OpenAI).",
            param=f"{where}.type",
        )
    function: Json = {"name": _text(tool, "name", where)}
    _put(function, "description", _text(tool, "description", where, required=False))
    parameters = tool.get("parameters")
    if parameters is not None:
        function["parameters"] = _object(parameters, f"{where}.parameters")
    _put(function, "strict", tool.get("strict"))
    return {"type": "function", "function": function}


def _tool_choice(choice: str | Json, names: set[str]) -> str | Json:
    """Chat's tool choice; a function it names must be one of the tools, as OpenAI requires."""
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise InvalidRequest(
                f"Invalid value for 'tool_choice': {choice[:64]!r}; use none, auto or required.", param="tool_choice"
            )
        return choice
    if choice.get("type") == "function":
        name = _text(choice, "name", "tool_choice")
        if name not in names:
            raise InvalidRequest(
                f"Tool choice 'function' with name {str(name)[:64]!r} not found in 'tools' parameter.",
                param="tool_choice",
            )
        return {"type": "function", "function": {"name": name}}
    raise InvalidRequest(
        "Only tool_choice none, auto, required or {'type': 'function', 'name': ...} is supported.",
        param="tool_choice",
    )


def _response_format(given: Any) -> Json | None:
    """``text.format`` as chat's ``response_format`` (plain text: none, the upstream's default)."""
    if given is None:
        return None
    fmt = _object(given, "text.format")
    kind = fmt.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema: Json = {"name": _text(fmt, "name", "text.format")}
        schema["schema"] = _object(fmt.get("schema"), "text.format.schema")
        _put(schema, "description", _text(fmt, "description", "text.format", required=False))
        _put(schema, "strict", fmt.get("strict"))
        return {"type": "json_schema", "json_schema": schema}
    raise InvalidRequest(
        "Invalid value for 'text.format.type': use text, json_object or json_schema.", param="text.format.type"
    )
