"""Token counts for back-ends without a tokenizer of their own (remote OpenAI-style models).

Uses tiktoken with the encodings litellm ships inside its wheel, so counting never downloads
anything; litellm itself is not imported (it costs seconds). Where tiktoken or the files are
missing, falls back to ~4 characters a token.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from providers.canonical import ChatCompletionRequest

_PER_MESSAGE_OVERHEAD = 3  # OpenAI's chat format: role and separators
_REPLY_PRIMER = 3


class _Encoding(Protocol):
    def encode(self, text: str, *, disallowed_special: Any = ...) -> list[int]: ...

    def decode(self, tokens: list[int], errors: str = ...) -> str: ...


def _bundled_tiktoken_dir() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "litellm_core_utils" / "tokenizers"
    return folder if folder.is_dir() else None


@lru_cache(maxsize=4)
def encoding_for(model: str) -> _Encoding | None:
    """The tiktoken encoding for a model id, or None when none is available offline."""
    name = (
        "o200k_base" if any(tag in model for tag in ("gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4")) else "cl100k_base"
    )
    return encoding_named(name)


@lru_cache(maxsize=4)
def encoding_named(name: str) -> _Encoding | None:
    """A tiktoken encoding by name (cl100k_base...), or None when it is not available offline."""
    folder = _bundled_tiktoken_dir()
    if folder is None:
        return None
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)  # never let tiktoken go looking online
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        encoding: _Encoding = tiktoken.get_encoding(name)
    except Exception:  # missing or unreadable file: count approximately instead
        return None
    return encoding


def client_encoding(model: str) -> _Encoding | None:
    """The encoding a client tokenized with for this model name, as OpenAI's SDKs and LangChain pick
    it: tiktoken's for the name, else cl100k_base (what token ids sent to an OpenAI-style API mean)."""
    try:
        from tiktoken.model import encoding_name_for_model
    except ImportError:
        return None
    try:
        name = encoding_name_for_model(model)
    except KeyError:
        name = "cl100k_base"
    return encoding_named(name)


def count_text(text: str, model: str) -> int:
    encoding = encoding_for(model)
    if encoding is None:
        return max(1, len(text) // 4) if text else 0
    return len(encoding.encode(text, disallowed_special=()))


def count_prompt(request: ChatCompletionRequest, model: str) -> int:
    """Prompt tokens as OpenAI counts them for chat: content plus a few per message."""
    total = _REPLY_PRIMER
    for message in request.messages:
        total += _PER_MESSAGE_OVERHEAD + count_text(message.text(), model)
        if message.tool_calls:
            for call in message.tool_calls:
                total += count_text(call.function.name + call.function.arguments, model)
    if request.tools:
        for tool in request.tools:
            total += count_text(tool.function.model_dump_json(exclude_none=True), model)
    return total
