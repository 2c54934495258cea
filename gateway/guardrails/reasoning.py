"""A model's reasoning, as the output guardrails read and rewrite it: OpenAI-style servers send it
as ``reasoning_content`` (or ``reasoning``) beside a message's content or a stream's delta, litellm's
Claude as ``thinking_blocks``. The caller sees it (an Anthropic thinking block, the OpenAI field),
so whatever checks the answer checks it too: masked as the answer would be, dropped with a blocked
answer. A thinking block whose text a guardrail changed loses its signature (it no longer signs
that text)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

FIELDS = ("reasoning_content", "reasoning")


@dataclass(frozen=True, slots=True)
class Place:
    """Where one reasoning text is: a field of the message or delta, or a thinking block's text."""

    field: str
    block: int | None = None


def places(holder: BaseModel) -> Iterator[tuple[Place, str]]:
    """Each reasoning text of a message or a delta, with where it is."""
    extra: dict[str, Any] = holder.model_extra or {}
    for name in FIELDS:
        text = extra.get(name)
        if isinstance(text, str) and text:
            yield Place(name), text
    blocks = extra.get("thinking_blocks")
    if isinstance(blocks, list):
        for number, block in enumerate(blocks):
            if isinstance(block, dict) and isinstance(block.get("thinking"), str) and block["thinking"]:
                yield Place("thinking_blocks", number), block["thinking"]


def put(holder: BaseModel, place: Place, text: str) -> None:
    """``text`` where the reasoning at ``place`` was (a thinking block's signature dropped when the
    text changed)."""
    if place.block is None:
        setattr(holder, place.field, text)
        return
    blocks = list((holder.model_extra or {}).get("thinking_blocks") or [])
    block = dict(blocks[place.block])
    if block.get("thinking") != text:
        block["thinking"], block["signature"] = text, ""
    blocks[place.block] = block
    holder.thinking_blocks = blocks  # type: ignore[attr-defined]


def append(holder: BaseModel, place: Place, text: str) -> None:
    """``text`` added after the reasoning a field at ``place`` holds (a stream's later part)."""
    setattr(holder, place.field, ((holder.model_extra or {}).get(place.field) or "") + text)


def drop(holder: BaseModel) -> None:
    """No reasoning left (a blocked answer shows only the blocked message)."""
    extra = holder.model_extra
    if extra:
        for name in (*FIELDS, "thinking_blocks"):
            extra.pop(name, None)
