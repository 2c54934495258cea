"""Anthropic's extensions to a chat request, in litellm's spelling, and taking them out again.

The Anthropic surface carries ``cache_control`` (on content parts, messages, tool calls, tools
and the request), an assistant turn's ``thinking_blocks`` and the request's ``thinking`` through the
canonical form, so that a Claude deployment behind litellm keeps them. A plain OpenAI-compatible
server does not know them, and OpenAI's own API refuses a request that carries them (Claude Code
marks its prompts with ``cache_control`` on every call), so the OpenAI-compatible provider takes
them out unless its deployment says the upstream understands them.
"""

from __future__ import annotations

from typing import Any

_REQUEST = ("thinking", "cache_control")
_MESSAGE = ("cache_control", "thinking_blocks")


def _parts(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    parts = [p for p in content if isinstance(p, dict)] if isinstance(content, list) else []
    return parts + [c for c in message.get("tool_calls") or () if isinstance(c, dict)]


def has_anthropic_extensions(request: dict[str, Any]) -> bool:
    """Whether a request (as a dict) carries any of them: only the keys are looked at, not the text."""
    if any(name in request for name in _REQUEST):
        return True
    if any(isinstance(t, dict) and "cache_control" in t for t in request.get("tools") or ()):
        return True
    for message in request.get("messages") or ():
        if any(name in message for name in _MESSAGE) or any("cache_control" in p for p in _parts(message)):
            return True
    return False


def strip_anthropic_extensions(request: dict[str, Any]) -> None:
    """Take them out, in place."""
    for name in _REQUEST:
        request.pop(name, None)
    for tool in request.get("tools") or ():
        if isinstance(tool, dict):
            tool.pop("cache_control", None)
    for message in request.get("messages") or ():
        for name in _MESSAGE:
            message.pop(name, None)
        for part in _parts(message):
            part.pop("cache_control", None)
