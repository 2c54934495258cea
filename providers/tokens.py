"""Token counts for back-ends without a tokenizer of their own (remote OpenAI-style models).

Uses tiktoken with the encodings litellm ships inside its wheel, so counting never downloads
anything; litellm itself is not imported (it costs seconds). Where tiktoken or the files are
missing, falls back to ~4 characters a token.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from providers.canonical import ChatCompletionRequest

_PER_MESSAGE_OVERHEAD = 3  # OpenAI's chat format: role and separators
_REPLY_PRIMER = 3
# tiktoken's merges grow faster than the length of one piece of text: a 16 MB run without a space
# took 6 s. Texts past SHORT characters have runs longer than LONG_RUN counted in LONG_RUN pieces
# (the count moves by a token or so per cut, on text no tokenizer reads as words anyway).
SHORT = 64 * 1024
LONG_RUN = 1024
_LONG = re.compile(rf"\S{{{LONG_RUN}}}")
_LONGER = re.compile(rf"\S{{{LONG_RUN + 1},}}")
OFF_LOOP_CHARACTERS = 256 * 1024  # an async caller counts longer texts in a thread (tiktoken drops the GIL)


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
    if len(text) <= SHORT or _LONG.search(text) is None:
        return len(encoding.encode(text, disallowed_special=()))
    return sum(len(encoding.encode(piece, disallowed_special=())) for piece in _cut_long_runs(text))


def _cut_long_runs(text: str) -> Iterator[str]:
    """``text`` in order, its runs without spaces longer than LONG_RUN cut into LONG_RUN pieces."""
    last = 0
    for run in _LONGER.finditer(text):
        yield text[last : run.start()]
        for start in range(run.start(), run.end(), LONG_RUN):
            yield text[start : min(start + LONG_RUN, run.end())]
        last = run.end()
    yield text[last:]


async def count_text_async(text: str, model: str) -> int:
    """``count_text``, in a thread for a long text (a model's megabyte answer must not stall the loop)."""
    if len(text) > OFF_LOOP_CHARACTERS:
        return await asyncio.to_thread(count_text, text, model)
    return count_text(text, model)


async def count_prompt_async(request: ChatCompletionRequest, model: str) -> int:
    """``count_prompt``, in a thread for a long prompt."""
    if sum(len(m.text()) for m in request.messages) > OFF_LOOP_CHARACTERS:
        return await asyncio.to_thread(count_prompt, request, model)
    return count_prompt(request, model)


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
