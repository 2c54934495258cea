"""Canonical (OpenAI chat) answers -> Anthropic Messages responses: pure functions, no I/O.

The first choice becomes the message: reasoning first (a litellm upstream's ``thinking_blocks``,
signatures included, or an OpenAI-style server's ``reasoning_content`` as an unsigned thinking
block), then the text, then each tool call as a ``tool_use`` block. ``finish_reason`` becomes
``stop_reason``: ``content_filter`` (a guardrail's block among others) is Anthropic's ``refusal``.
Usage follows Anthropic's split: ``input_tokens`` excludes the tokens read from or written to a
prompt cache, which are reported beside it.
"""

from __future__ import annotations

from typing import Any

import orjson

from providers.canonical import ChatCompletion, Usage

Json = dict[str, Any]

_FROM_FINISH = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}
# Already Anthropic's (an upstream or a guardrail may say so): passed as they are.
_STOP_REASONS = frozenset(
    {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal", "model_context_window_exceeded"}
)


def stop_reason(
    finish: str | None, matched: object = None, stops: list[str] | None = None, used_tools: bool = False
) -> tuple[str, str | None]:
    """Anthropic's ``stop_reason`` and ``stop_sequence``. The stop string that ended the text is
    known only where the upstream says which (vLLM's ``stop_reason``); OpenAI does not."""
    if finish == "stop" and isinstance(matched, str) and stops and matched in stops:
        return "stop_sequence", matched
    reason = finish if finish in _STOP_REASONS else _FROM_FINISH.get(finish or "stop", "end_turn")
    if reason == "end_turn" and used_tools:
        reason = "tool_use"  # some servers end a tool call with "stop"; clients loop on tool_use
    return str(reason), None


def usage_json(usage: Usage | None) -> Json:
    if usage is None:
        return {"input_tokens": 0, "output_tokens": 0}
    extra = usage.model_extra or {}
    read = extra.get("cache_read_input_tokens")
    read = read if isinstance(read, int) else usage.cached_prompt_tokens()
    written = extra.get("cache_creation_input_tokens")
    written = written if isinstance(written, int) else 0
    return {
        "input_tokens": max(0, usage.prompt_tokens - read - written),
        "output_tokens": usage.completion_tokens,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
    }


def thinking_blocks(extra: dict[str, Any] | None) -> list[Json]:
    """A message's (or a delta's) reasoning as Anthropic's thinking blocks."""
    if not extra:
        return []
    blocks = extra.get("thinking_blocks")
    if isinstance(blocks, list) and blocks:
        return [b for b in (thinking_block(item) for item in blocks) if b is not None]
    text = extra.get("reasoning_content") or extra.get("reasoning")
    return [{"type": "thinking", "thinking": text, "signature": ""}] if isinstance(text, str) and text else []


def thinking_block(item: object) -> Json | None:
    if not isinstance(item, dict):
        return None
    if item.get("type") == "redacted_thinking":
        return {"type": "redacted_thinking", "data": str(item.get("data") or "")}
    return {
        "type": "thinking",
        "thinking": str(item.get("thinking") or ""),
        "signature": str(item.get("signature") or ""),
    }


def tool_input(arguments: str) -> Json:
    """A tool call's arguments as the object Anthropic sends; text that is no JSON object (a
    model's mistake) is kept whole under ``arguments``, never dropped."""
    if not arguments:
        return {}
    try:
        parsed = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        return {"arguments": arguments}
    return parsed if isinstance(parsed, dict) else {"arguments": parsed}


def from_chat(completion: ChatCompletion, message_id: str, stops: list[str] | None = None) -> Json:
    choice = completion.choices[0] if completion.choices else None
    content: list[Json] = []
    finish: str | None = "stop"
    matched: object = None
    if choice is not None:
        message = choice.message
        content.extend(thinking_blocks(message.model_extra))
        text = message.content or message.refusal
        if text:
            content.append({"type": "text", "text": text})
        for call in message.tool_calls or ():
            use = {"type": "tool_use", "id": call.id, "name": call.function.name}
            content.append({**use, "input": tool_input(call.function.arguments)})
        finish, matched = choice.finish_reason, (choice.model_extra or {}).get("stop_reason")
        if message.refusal and not message.content:
            finish = "content_filter"
    reason, sequence = stop_reason(finish, matched, stops, any(b["type"] == "tool_use" for b in content))
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": completion.model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": sequence,
        "usage": usage_json(completion.usage),
    }
