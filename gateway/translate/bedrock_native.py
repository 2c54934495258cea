"""InvokeModel's model-native bodies: which family a body belongs to, and how each translates.

Bedrock's InvokeModel takes the body each vendor defines; Strata recognises the family from the
body's shape (its model ids are Strata's own names, so they say nothing about the shape):

- Anthropic Messages (``anthropic_version``)             -> bedrock_anthropic
- OpenAI chat completions (``messages``)                  -> answered as OpenAI answers
- Cohere embeddings (``texts``)                           -> bedrock_embeddings
- Amazon Titan: embeddings (``inputText`` with embedding keys, or to an embeddings-only model)
  or text (``inputText``, ``textGenerationConfig``)
- Meta Llama (``prompt``, ``max_gen_len``)

Streams are small objects that turn canonical chunks into the family's own stream events
(dicts); the surface base64-frames each one as a Bedrock ``chunk`` and adds
``amazon-bedrock-invocationMetrics`` to the last, as Bedrock does. A family whose first event
carries the prompt's token count (Anthropic's ``message_start``) says so (``counts_prompt_first``):
the surface counts the prompt while the upstream starts and hands the count to its stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from gateway.errors import InvalidRequest
from gateway.translate import bedrock_anthropic as anthropic
from gateway.translate import bedrock_embeddings as embeddings
from gateway.translate.bedrock_converse import canonical
from gateway.translate.fields import Json, get, need, put
from providers.canonical import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    EmbeddingRequest,
    EmbeddingResponse,
    Usage,
)


class NativeStream(Protocol):
    def chunk(self, chunk: ChatCompletionChunk) -> list[Json]: ...

    def finish(self, usage: Usage | None, metrics: Json) -> list[Json]: ...


class StreamFactory(Protocol):
    """A family's stream for the translated request and the native body; ``input_tokens`` is the
    prompt's count where the family's first event carries it (else 0, unused)."""

    def __call__(self, request: ChatCompletionRequest, body: Json, input_tokens: int = 0) -> NativeStream: ...


@dataclass(frozen=True, slots=True)
class ChatFamily:
    name: str
    to_chat: Callable[[str, Json, bool], ChatCompletionRequest]
    from_chat: Callable[[ChatCompletion, ChatCompletionRequest], Json]
    stream: StreamFactory
    counts_prompt_first: bool = False  # the stream's first event carries the prompt's token count


@dataclass(frozen=True, slots=True)
class EmbedFamily:
    name: str
    to_embeddings: Callable[[str, Json], EmbeddingRequest]
    from_embeddings: Callable[[EmbeddingResponse, Json], Json]


# ---------------------------------------------------------------- plain-text families


class TextStream:
    """For families whose stream is text pieces plus a closing chunk with counts and reason."""

    def __init__(self, piece: Callable[[str], Json], last: Callable[[str | None, Usage | None], Json]) -> None:
        self._piece, self._last = piece, last
        self._finish: str | None = None

    def chunk(self, chunk: ChatCompletionChunk) -> list[Json]:
        out = []
        for choice in chunk.choices:
            if choice.index == 0:
                if choice.delta.content:
                    out.append(self._piece(choice.delta.content))
                if choice.finish_reason is not None:
                    self._finish = choice.finish_reason
        return out

    def finish(self, usage: Usage | None, metrics: Json) -> list[Json]:
        return [{**self._last(self._finish, usage), "amazon-bedrock-invocationMetrics": metrics}]


def _text(completion: ChatCompletion) -> tuple[str, str | None]:
    choice = completion.choices[0] if completion.choices else None
    return (choice.message.content or "", choice.finish_reason) if choice else ("", "stop")


def _tokens(usage: Usage | None) -> tuple[int, int]:
    return (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)


def _streaming(request: Json, stream: bool) -> Json:
    if stream:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return request


_TITAN_REASON = {"stop": "FINISH", "length": "LENGTH", "content_filter": "CONTENT_FILTERED"}


def titan_to_chat(model: str, body: Json, stream: bool) -> ChatCompletionRequest:
    request: Json = {"model": model, "messages": [{"role": "user", "content": need(body, "inputText", str)}]}
    config = get(body, "textGenerationConfig", dict) or {}
    where = "textGenerationConfig."
    put(request, "max_tokens", get(config, "maxTokenCount", int, where))
    put(request, "temperature", get(config, "temperature", float, where))
    put(request, "top_p", get(config, "topP", float, where))
    put(request, "stop", get(config, "stopSequences", list, where) or None)
    return canonical(_streaming(request, stream))


def titan_from_chat(completion: ChatCompletion, request: ChatCompletionRequest) -> Json:
    text, finish = _text(completion)
    prompt, output = _tokens(completion.usage)
    result = {"tokenCount": output, "outputText": text, "completionReason": _TITAN_REASON.get(finish or "", "FINISH")}
    return {"inputTextTokenCount": prompt, "results": [result]}


def titan_stream(request: ChatCompletionRequest, body: Json, input_tokens: int = 0) -> NativeStream:
    def piece(text: str) -> Json:
        return {
            "outputText": text,
            "index": 0,
            "totalOutputTextTokenCount": None,
            "completionReason": None,
            "inputTextTokenCount": None,
        }

    def last(finish: str | None, usage: Usage | None) -> Json:
        prompt, output = _tokens(usage)
        return {
            "outputText": "",
            "index": 0,
            "totalOutputTextTokenCount": output,
            "completionReason": _TITAN_REASON.get(finish or "", "FINISH"),
            "inputTextTokenCount": prompt,
        }

    return TextStream(piece, last)


_LLAMA3_TURN = re.compile(
    r"<\|start_header_id\|>(system|user|assistant|ipython)<\|end_header_id\|>\s*(.*?)\s*(?:<\|eot_id\|>|$)", re.S
)
_LLAMA2_SYSTEM = re.compile(r"<<SYS>>\s*(.*?)\s*<</SYS>>", re.S)
_LLAMA2_TAGS = re.compile(r"<s>|</s>|\[INST\]|\[/INST\]")


def llama_messages(prompt: str) -> list[Json]:
    """Llama's chat templates back into messages, so any upstream gets a proper conversation."""
    if "<|start_header_id|>" in prompt:
        turns = [(role, text) for role, text in _LLAMA3_TURN.findall(prompt)]
        if turns and turns[-1] == ("assistant", ""):
            turns.pop()  # the generation prompt: the model is to write this turn
        messages = [{"role": "user" if role == "ipython" else role, "content": text} for role, text in turns]
        if messages:
            return messages
    if "[INST]" in prompt:
        system = _LLAMA2_SYSTEM.search(prompt)
        rest = _LLAMA2_TAGS.sub("", _LLAMA2_SYSTEM.sub("", prompt)).strip()
        head = [{"role": "system", "content": system.group(1)}] if system else []
        return [*head, {"role": "user", "content": rest}]
    return [{"role": "user", "content": prompt}]


def llama_to_chat(model: str, body: Json, stream: bool) -> ChatCompletionRequest:
    request: Json = {"model": model, "messages": llama_messages(need(body, "prompt", str))}
    put(request, "max_tokens", get(body, "max_gen_len", int))
    put(request, "temperature", get(body, "temperature", float))
    put(request, "top_p", get(body, "top_p", float))
    return canonical(_streaming(request, stream))


def _llama_reason(finish: str | None) -> str:
    return "length" if finish == "length" else "stop"


def llama_from_chat(completion: ChatCompletion, request: ChatCompletionRequest) -> Json:
    text, finish = _text(completion)
    prompt, output = _tokens(completion.usage)
    return {
        "generation": text,
        "prompt_token_count": prompt,
        "generation_token_count": output,
        "stop_reason": _llama_reason(finish),
    }


def llama_stream(request: ChatCompletionRequest, body: Json, input_tokens: int = 0) -> NativeStream:
    def piece(text: str) -> Json:
        return {"generation": text, "prompt_token_count": None, "generation_token_count": None, "stop_reason": None}

    def last(finish: str | None, usage: Usage | None) -> Json:
        prompt, output = _tokens(usage)
        return {
            "generation": "",
            "prompt_token_count": prompt,
            "generation_token_count": output,
            "stop_reason": _llama_reason(finish),
        }

    return TextStream(piece, last)


# ---------------------------------------------------------------- Mistral text completion bodies


def mistral_to_chat(model: str, body: Json, stream: bool) -> ChatCompletionRequest:
    """Mistral's InvokeModel body (prompt, max_tokens, stop, temperature, top_p, top_k): its
    ``<s>[INST] ... [/INST]`` prompt read as Llama 2's is (the same tags)."""
    request: Json = {"model": model, "messages": llama_messages(need(body, "prompt", str))}
    put(request, "max_tokens", get(body, "max_tokens", int))
    put(request, "temperature", get(body, "temperature", float))
    put(request, "top_p", get(body, "top_p", float))
    put(request, "top_k", get(body, "top_k", int))
    put(request, "stop", get(body, "stop", list) or None)
    return canonical(_streaming(request, stream))


def mistral_from_chat(completion: ChatCompletion, request: ChatCompletionRequest) -> Json:
    text, finish = _text(completion)
    return {"outputs": [{"text": text, "stop_reason": _llama_reason(finish)}]}


def mistral_stream(request: ChatCompletionRequest, body: Json, input_tokens: int = 0) -> NativeStream:
    def piece(text: str) -> Json:
        return {"outputs": [{"text": text, "stop_reason": None}]}

    def last(finish: str | None, usage: Usage | None) -> Json:
        return {"outputs": [{"text": "", "stop_reason": _llama_reason(finish)}]}

    return TextStream(piece, last)


# ---------------------------------------------------------------- OpenAI chat bodies


def openai_to_chat(model: str, body: Json, stream: bool) -> ChatCompletionRequest:
    request = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
    request["model"] = model
    if stream:
        # Strata always takes usage (for the token-count metrics); the caller sees it only if asked.
        options = body.get("stream_options")
        request["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
        request["stream"] = True
    return canonical(request)


def openai_from_chat(completion: ChatCompletion, request: ChatCompletionRequest) -> Json:
    return completion.model_dump(exclude_unset=True)


class OpenAIStream:
    """Chunks as OpenAI sends them; the usage chunk (last) is held to carry the invocation metrics."""

    def __init__(self, request: ChatCompletionRequest, body: Json, input_tokens: int = 0) -> None:
        options = body.get("stream_options")
        self._caller_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        self._tail: Json | None = None

    def chunk(self, chunk: ChatCompletionChunk) -> list[Json]:
        data = chunk.model_dump(exclude_unset=True)
        if not chunk.choices and chunk.usage is not None:
            self._tail = data
            return []
        return [data]

    def finish(self, usage: Usage | None, metrics: Json) -> list[Json]:
        tail = self._tail or {"object": "chat.completion.chunk", "choices": []}
        if not self._caller_usage:
            tail.pop("usage", None)
        return [{**tail, "amazon-bedrock-invocationMetrics": metrics}]


# ---------------------------------------------------------------- detection

ANTHROPIC = ChatFamily("anthropic", anthropic.to_chat, anthropic.from_chat, anthropic.AnthropicStream, True)
OPENAI = ChatFamily("openai", openai_to_chat, openai_from_chat, OpenAIStream)
TITAN_TEXT = ChatFamily("titan-text", titan_to_chat, titan_from_chat, titan_stream)
LLAMA = ChatFamily("llama", llama_to_chat, llama_from_chat, llama_stream)
MISTRAL = ChatFamily("mistral", mistral_to_chat, mistral_from_chat, mistral_stream)
_MISTRAL_FIELDS = ("max_tokens", "stop", "top_k")  # Llama's body has max_gen_len and none of these
TITAN_EMBED = EmbedFamily("titan-embed", embeddings.titan_request, embeddings.titan_response)
COHERE_EMBED = EmbedFamily("cohere-embed", embeddings.cohere_request, embeddings.cohere_response)


def _nova_shaped(body: Json) -> bool:
    """Nova's messages (Converse's content blocks: {"text": ...} with no "type") and inferenceConfig."""
    messages = body.get("messages")
    if "inferenceConfig" not in body or not isinstance(messages, list):
        return False
    parts = [p for m in messages if isinstance(m, dict) for p in (m.get("content") or []) if isinstance(p, dict)]
    return bool(parts) and all("type" not in p for p in parts)


def detect(body: Json, embeddings_only: Callable[[], bool], model_id: str = "") -> ChatFamily | EmbedFamily:
    """The family of a native body. ``embeddings_only`` settles a bare ``{"inputText"}``: Titan text
    and Titan embeddings look the same, so it is an embedding if the model does nothing else. A
    ``{"prompt"}`` body is Mistral's when it has Mistral's fields or the model id is a Mistral one
    (``mistral.``), else Llama's."""
    if anthropic.is_anthropic(body):
        return ANTHROPIC
    if body.get("schemaVersion") == "messages-v1" or _nova_shaped(body):
        raise InvalidRequest(
            "Malformed input request: Amazon Nova's messages-v1 body is not served by InvokeModel here; "
            "call Converse (or send an OpenAI chat body)."
        )
    if "messages" in body:
        return OPENAI
    if "texts" in body:
        return COHERE_EMBED
    if "inputText" in body:
        if "textGenerationConfig" in body:
            return TITAN_TEXT
        return TITAN_EMBED if embeddings.is_titan_embedding(body) or embeddings_only() else TITAN_TEXT
    if "prompt" in body:
        if "max_gen_len" not in body and (any(k in body for k in _MISTRAL_FIELDS) or "mistral." in model_id):
            return MISTRAL
        return LLAMA
    raise InvalidRequest(
        "Malformed input request: the body is not one this gateway knows. Send an Anthropic Messages body "
        "(anthropic_version), an OpenAI chat body (messages), Titan (inputText), Cohere embeddings (texts), "
        "Llama (prompt, max_gen_len) or Mistral (prompt, max_tokens)."
    )
