"""The text a guardrail looks at in a canonical request or answer, and the masked text put back.

Input: every message's text (each text part a unit): the users' as they are, the rest (system
prompts, earlier answers and the arguments of their tool calls, tool results) marked CONTEXT,
which only the word and sensitive information policies read (policies/base.py); a surface that
marks guarded content (Converse's guardContent) provides its own units. Output: each choice's
text, then each choice's reasoning (reasoning.py), which the caller sees too. Masking puts a unit's
masked text back where the unit was, in whichever message it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.guardrails import reasoning
from gateway.guardrails.policies.base import CONTEXT, TextUnit
from providers.canonical import ChatCompletion, ChatCompletionRequest, EmbeddingRequest, Message

_USER: frozenset[str] = frozenset()
_CONTEXT = frozenset((CONTEXT,))


def input_units(request: ChatCompletionRequest) -> list[TextUnit]:
    units: list[TextUnit] = []
    for message in request.messages:
        qualifiers = _USER if message.role == "user" else _CONTEXT
        if isinstance(message.content, str):
            if message.content:
                units.append(TextUnit(message.content, qualifiers))
        elif message.content:
            units += [TextUnit(part.text, qualifiers) for part in message.content if part.type == "text" and part.text]
        calls = message.tool_calls or ()
        units += [TextUnit(call.function.arguments, _CONTEXT) for call in calls if call.function.arguments]
    return units


def embedding_units(request: EmbeddingRequest) -> list[TextUnit]:
    return [TextUnit(text) for text in request.texts()]


def masked_request(
    request: ChatCompletionRequest, units: Sequence[TextUnit], masked: Sequence[str]
) -> list[tuple[str, str]]:
    """Put each unit's masked text back into the messages (in place); the replacements made."""
    replacements = [(u.text, m) for u, m in zip(units, masked, strict=True) if u.text != m]
    for message in request.messages if replacements else ():
        _replace_in(message, replacements)
    return replacements


def rewritten(value: Any, rewrites: Sequence[tuple[str, str]]) -> Any:
    """A JSON value (a caller's input as a surface keeps it) with the input guardrails' rewrites
    made in every string."""
    if not rewrites:
        return value
    if isinstance(value, str):
        for original, kept in rewrites:
            value = value.replace(original, kept)
        return value
    if isinstance(value, dict):
        return {key: rewritten(item, rewrites) for key, item in value.items()}
    if isinstance(value, list):
        return [rewritten(item, rewrites) for item in value]
    return value


def _replace_in(message: Message, replacements: list[tuple[str, str]]) -> None:
    if isinstance(message.content, str):
        for original, masked in replacements:
            message.content = message.content.replace(original, masked)
    elif message.content:
        for part in message.content:
            if part.type == "text" and part.text:
                for original, masked in replacements:
                    part.text = part.text.replace(original, masked)
    for call in message.tool_calls or ():
        for original, masked in replacements:  # placeholders hold no quote: the JSON stays valid
            call.function.arguments = call.function.arguments.replace(original, masked)


def masked_embeddings(request: EmbeddingRequest, masked: Sequence[str]) -> None:
    request.input = list(masked) if isinstance(request.input, list) else masked[0]


def output_units(completion: ChatCompletion) -> list[TextUnit]:
    """Each choice's text, then each choice's reasoning texts (in ``replace_output``'s order), the
    reasoning as context: the word and sensitive information policies read it, the topics, content
    filters and grounding judge the answer."""
    units = [TextUnit(choice.message.content or "") for choice in completion.choices]
    thoughts = [text for choice in completion.choices for _, text in reasoning.places(choice.message)]
    return units + [TextUnit(text, _CONTEXT) for text in thoughts]


def replace_output(completion: ChatCompletion, texts: Sequence[str], blocked: bool) -> None:
    """The answer's text replaced (the blocked message for every choice, or the masked text, its
    reasoning's too); a blocked answer says why it ended (``content_filter``) and keeps no tool
    calls and no reasoning."""
    later = len(completion.choices)  # where the reasoning's texts start
    for index, choice in enumerate(completion.choices):
        choice.message.content = texts[0] if blocked else texts[index]
        if blocked:
            choice.finish_reason = "content_filter"
            choice.message.tool_calls = None
            reasoning.drop(choice.message)
            continue
        for place, text in list(reasoning.places(choice.message)):
            if texts[later] != text:
                reasoning.put(choice.message, place, texts[later])
            later += 1
