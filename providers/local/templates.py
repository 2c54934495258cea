"""Chat templates: the model's own (tools where it supports them), or a plain fallback; tool calls.

Rendering runs in the worker (it needs the tokenizer); parsing the model's tool calls out of its
text is pure Python and runs in the provider. No torch here.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

# For models without a template (GPT-2, the demo): plain "Role: text" lines, then "Assistant:".
FALLBACK_TEMPLATE = (
    "{% for message in messages %}"
    "{{ message['role'] | capitalize }}: {{ message['content'] or '' }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}Assistant:{% endif %}"
)

_TOOL_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_MARKERS = ("<tool_call>", "[TOOL_CALLS]")


def template_source(tokenizer: Any, tools: bool) -> str | None:
    """The model's chat template text; a dict of named templates picks ``tool_use`` for tools."""
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):
        return template.get("tool_use" if tools else "default") or template.get("default")
    return template if isinstance(template, str) and template.strip() else None


def supports_tools(tokenizer: Any) -> bool:
    """Whether the template reads a ``tools`` variable: only then can tool definitions reach the model."""
    source = template_source(tokenizer, tools=True)
    if source is None:
        return False
    import jinja2
    import jinja2.meta

    try:
        return "tools" in jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source))
    except jinja2.TemplateSyntaxError:
        return "tools" in source


def render_prompt(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> list[int]:
    """Prompt token ids for a conversation: template (or fallback) rendered, then tokenized."""
    source = template_source(tokenizer, tools=bool(tools))
    text: str = tokenizer.apply_chat_template(
        messages,
        tools=tools or None,
        chat_template=source or FALLBACK_TEMPLATE,
        add_generation_prompt=True,
        tokenize=False,
    )
    # A real template writes its own BOS and role markers; the fallback leaves them to the tokenizer.
    ids: list[int] = tokenizer(text, add_special_tokens=source is None)["input_ids"]
    return ids


# ---- tool calls in the model's output ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedCall:
    id: str
    name: str
    arguments: str  # JSON text, as OpenAI sends it


def _call_from(obj: Any) -> ParsedCall | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("function"), dict):  # {"type": "function", "function": {...}}
        obj = obj["function"]
    name = obj.get("name")
    arguments = obj.get("arguments", obj.get("parameters", {}))
    if not isinstance(name, str) or not name:
        return None
    text = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
    return ParsedCall(id=f"call_{uuid.uuid4().hex[:24]}", name=name, arguments=text)


def _calls_in_json(text: str) -> list[ParsedCall] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    items = data if isinstance(data, list) else [data]
    calls = [_call_from(item) for item in items]
    if not calls or any(c is None for c in calls):
        return None
    return [c for c in calls if c is not None]


def parse_tool_calls(text: str) -> tuple[str | None, list[ParsedCall]]:
    """Split a reply into content and tool calls.

    Understood: Hermes/Qwen ``<tool_call>{json}</tool_call>`` blocks, Mistral's ``[TOOL_CALLS][...]``
    and a reply that is nothing but a JSON call (Llama 3.x). Anything else is plain content.
    """
    if "<tool_call>" in text:
        calls = []
        for block in _TOOL_BLOCK.findall(text):
            parsed = _calls_in_json(block)
            if parsed is None:
                return text, []
            calls.extend(parsed)
        content = _TOOL_BLOCK.sub("", text).strip()
        return (content or None), calls
    stripped = text.strip().removeprefix("[TOOL_CALLS]").strip()
    if stripped[:1] in ("{", "["):
        parsed = _calls_in_json(stripped)
        if parsed:
            return None, parsed
    return text, []


class ToolStreamFilter:
    """Streams content while holding back what may be a tool call, which is parsed at the end."""

    def __init__(self) -> None:
        self._seen = ""
        self._emitted = 0  # characters of _seen already passed on as content
        self._hold_from: int | None = None

    def feed(self, text: str) -> str:
        self._seen += text
        seen = self._seen
        if self._hold_from is not None or not seen.strip():
            return ""  # holding a call, or only whitespace so far (it may precede a JSON call)
        if self._emitted == 0 and seen.lstrip()[0] in "{[":
            self._hold_from = 0  # the whole reply may be a JSON call
            return ""
        for marker in _MARKERS:
            at = seen.find(marker, self._emitted)
            if at >= 0:
                out, self._emitted, self._hold_from = seen[self._emitted : at], at, at
                return out
        # Keep back a tail that could be the start of a marker; pass on the rest.
        keep = max((k for m in _MARKERS for k in range(1, len(m)) if seen.endswith(m[:k])), default=0)
        end = max(self._emitted, len(seen) - keep)
        out, self._emitted = seen[self._emitted : end], end
        return out

    def finish(self) -> tuple[str, list[ParsedCall]]:
        """Content still to pass on, and the tool calls found in what was held back."""
        if self._hold_from is None:
            return self._seen[self._emitted :], []
        held = self._seen[self._hold_from :]
        content, calls = parse_tool_calls(held)
        return ((content or ""), calls) if calls else (held, [])
