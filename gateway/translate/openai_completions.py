"""Legacy completions <-> canonical: pure functions, no I/O.

The prompt becomes the one user message of a chat completion; each chat choice's text comes back
as a ``text_completion`` choice (after the prompt, with ``echo``). Token-id prompts, several
prompts in one request, ``logprobs``, ``suffix`` and ``best_of`` are refused with a 400: the chat
form has no way to carry them.
"""

from __future__ import annotations

from typing import Any

from gateway.errors import InvalidRequest
from gateway.schemas.completions import CompletionRequest
from gateway.translate.bedrock_converse import canonical
from providers.canonical import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Usage

Json = dict[str, Any]

_OWN = frozenset({"echo", "logprobs", "best_of", "suffix", "prompt", "stream_options"})
_REFUSED = {
    "logprobs": "Log probabilities are not supported on /v1/completions.",
    "suffix": "'suffix' (text insertion) is not supported on /v1/completions.",
}


def prompt_text(prompt: str | list[str] | list[int] | list[list[int]]) -> str:
    """The one prompt, as text."""
    if isinstance(prompt, str):
        return prompt
    if prompt and not isinstance(prompt[0], str):  # [1, 2, 3] is one prompt of token ids, not three
        raise InvalidRequest("Token-id prompts are not supported; send the prompt as text.", param="prompt")
    if len(prompt) != 1:
        raise InvalidRequest(
            f"Send one prompt per request ({len(prompt)} were sent); each becomes its own chat call.", param="prompt"
        )
    return str(prompt[0])


def completion_to_chat(body: CompletionRequest, *, stream: bool) -> ChatCompletionRequest:
    """The canonical request: the prompt as one user message, the sampling parameters as they are."""
    for name, message in _REFUSED.items():
        if getattr(body, name) is not None:
            raise InvalidRequest(message, param=name)
    if body.best_of is not None and body.best_of != (body.n or 1):
        raise InvalidRequest("'best_of' is not supported on /v1/completions; use 'n'.", param="best_of")
    request: Json = {k: v for k, v in (body.model_extra or {}).items() if k not in _OWN}
    request["model"] = body.model
    request["messages"] = [{"role": "user", "content": prompt_text(body.prompt)}]
    for name in ("max_tokens", "temperature", "top_p", "n", "stop", "user"):
        value = getattr(body, name)
        if value is not None:
            request[name] = value
    if stream:
        request["stream"] = True
        if body.stream_options is not None:
            request["stream_options"] = body.stream_options
    return canonical(request)


def _id(chat_id: str) -> str:
    return "cmpl-" + chat_id.removeprefix("chatcmpl-")


def _usage(usage: Usage | None) -> Json | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def text_completion(completion: ChatCompletion, echo: str | None = None) -> Json:
    """A chat completion as a ``text_completion`` (each choice's text after ``echo``, when given)."""
    prefix = echo or ""
    choices = [
        {
            "text": prefix + (choice.message.content or ""),
            "index": choice.index,
            "logprobs": None,
            "finish_reason": choice.finish_reason,
        }
        for choice in completion.choices
    ]
    return {
        "id": _id(completion.id),
        "object": "text_completion",
        "created": completion.created,
        "model": completion.model,
        "choices": choices,
        "usage": _usage(completion.usage),
    }


def text_chunk(chunk: ChatCompletionChunk) -> Json | None:
    """A chat chunk as a ``text_completion`` chunk; None for one that says nothing (the role)."""
    choices = [
        {
            "text": choice.delta.content or "",
            "index": choice.index,
            "logprobs": None,
            "finish_reason": choice.finish_reason,
        }
        for choice in chunk.choices
        if choice.delta.content or choice.finish_reason
    ]
    if not choices and chunk.usage is None:
        return None
    out: Json = {
        "id": _id(chunk.id),
        "object": "text_completion",
        "created": chunk.created,
        "model": chunk.model,
        "choices": choices,
    }
    if chunk.usage is not None:
        out["usage"] = _usage(chunk.usage)
    return out


def echo_chunk(chunk: ChatCompletionChunk, prompt: str, n: int) -> Json:
    """With ``echo``, the first chunk of a stream: the prompt, for every choice."""
    choices = [{"text": prompt, "index": i, "logprobs": None, "finish_reason": None} for i in range(n)]
    return {
        "id": _id(chunk.id),
        "object": "text_completion",
        "created": chunk.created,
        "model": chunk.model,
        "choices": choices,
    }
