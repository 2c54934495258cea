"""Canonical answers -> Responses API objects: pure functions, no I/O.

The first choice's message becomes output items (a ``message`` with an ``output_text`` part, or a
``refusal`` part, then one ``function_call`` per tool call); ``length`` and ``content_filter``
endings make the response ``incomplete``, as at OpenAI. Also what a stored response keeps: its
output as a canonical assistant message (the next turn's history) and its input items, with ids.
"""

from __future__ import annotations

from typing import Any

from gateway.schemas.responses import ResponsesRequest
from gateway.translate.openai_responses import new_id
from providers.canonical import AssistantMessage, Usage

Json = dict[str, Any]

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


def skeleton(body: ResponsesRequest, response_id: str, created_at: int, store: bool) -> Json:
    """What a response says about its request (everything but model, status, output and usage)."""
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "error": None,
        "incomplete_details": None,
        "instructions": body.instructions,
        "max_output_tokens": body.max_output_tokens,
        "metadata": body.metadata or {},
        "parallel_tool_calls": True if body.parallel_tool_calls is None else body.parallel_tool_calls,
        "previous_response_id": body.previous_response_id,
        "store": store,
        "temperature": body.temperature,
        "text": body.text if body.text and "format" in body.text else {"format": {"type": "text"}},
        "tool_choice": body.tool_choice if body.tool_choice is not None else "auto",
        "tools": body.tools or [],
        "top_p": body.top_p,
        "truncation": "disabled",
        "user": body.user,
    }


def finished(base: Json, model: str, output: list[Json], finish_reason: str | None, usage: Json | None) -> Json:
    """The complete response object from its skeleton."""
    reason = _INCOMPLETE.get(finish_reason or "")
    return {
        **base,
        "model": model,
        "status": "completed" if reason is None else "incomplete",
        "incomplete_details": None if reason is None else {"reason": reason},
        "output": output,
        "usage": usage,
    }


def message_item(text: str, status: str = "completed", item_id: str | None = None, refusal: bool = False) -> Json:
    part = {"type": "refusal", "refusal": text} if refusal else output_text(text)
    return {
        "type": "message",
        "id": item_id or new_id("msg"),
        "status": status,
        "role": "assistant",
        "content": [part],
    }


def output_text(text: str) -> Json:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def function_call_item(call_id: str, name: str, arguments: str, status: str = "completed") -> Json:
    return {
        "type": "function_call",
        "id": new_id("fc"),
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": status,
    }


def output_items(message: AssistantMessage, finish_reason: str | None) -> list[Json]:
    """A chat answer's message as output items: its text (or refusal), then its tool calls."""
    status = "incomplete" if finish_reason in _INCOMPLETE else "completed"
    items: list[Json] = []
    if message.refusal:
        items.append(message_item(message.refusal, status, refusal=True))
    elif message.content or not message.tool_calls:
        items.append(message_item(message.content or "", status))
    for call in message.tool_calls or ():
        items.append(function_call_item(call.id, call.function.name, call.function.arguments))
    return items


def response_usage(usage: Usage | None) -> Json | None:
    if usage is None:
        return None
    details = (usage.model_extra or {}).get("completion_tokens_details")  # getattr on a missing extra: 4 us
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_prompt_tokens(), "cache_write_tokens": 0},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning if isinstance(reasoning, int) else 0},
        "total_tokens": usage.total_tokens,
    }


# ---------------------------------------------------------------- what is stored


def assistant_message(output: list[Json]) -> Json:
    """The canonical assistant message of a response's output, for the stored conversation."""
    texts: list[str] = []
    calls: list[Json] = []
    for item in output:
        if item["type"] == "message":
            texts += [p.get("text") or p.get("refusal") or "" for p in item["content"]]
        elif item["type"] == "function_call":
            function = {"name": item["name"], "arguments": item["arguments"]}
            calls.append({"id": item["call_id"], "type": "function", "function": function})
    message: Json = {"role": "assistant", "content": "".join(texts) if texts else None}
    if calls:
        message["tool_calls"] = calls
    return message


def input_items(given: str | list[Json]) -> list[Json]:
    """``input`` as the items ``GET /v1/responses/{id}/input_items`` lists: each with an id."""
    if isinstance(given, str):
        given = [{"type": "message", "role": "user", "content": given}]
    items = []
    for item in given:
        stored = {**item}
        stored.setdefault("type", "message")
        if stored["type"] == "message":
            content = stored.get("content")
            kind = "output_text" if stored.get("role") == "assistant" else "input_text"
            if isinstance(content, str):
                stored["content"] = [{"type": kind, "text": content}]
            stored.setdefault("status", "completed")
        if not stored.get("id"):
            stored["id"] = new_id({"function_call": "fc", "function_call_output": "fco"}.get(stored["type"], "msg"))
        items.append(stored)
    return items
