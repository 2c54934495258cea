"""Pure builders for the fake OpenAI-compatible upstream: behaviours, bodies and SSE events.

Nothing here does I/O; `tests.fakes.upstream` serves what these functions build.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import os
import re
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

DEFAULT_CONTENT = "Hello from the fake upstream."

Json = dict[str, Any]

_PREFIX = os.urandom(4).hex()
_ids = itertools.count(1)
_WORD = re.compile(r"\S+")

# Kinds of SSE events, so the server knows which ones count as content chunks.
ROLE, CONTENT, TAIL = 0, 1, 2


class BadRequest(ValueError):
    """The request body is not something OpenAI would accept (rendered as a 400)."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Knobs set through `POST /_fake/behaviour`; every field is optional."""

    latency_ms: float = 0.0
    status: int | None = None
    error_type: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    retry_after: float | None = None
    fail_times: int | None = None
    content: str = DEFAULT_CONTENT
    chunk_delay_ms: float = 0.0
    chunk_count: int | None = None
    split_events: bool = False
    drop_after_chunks: int | None = None
    tool_call: Json | None = None
    expected_api_key: str | None = None
    usage_in_stream: bool = True
    usage_in_body: bool = True  # False: a plain answer without "usage", as some servers send
    embedding_dims: int = 8
    refusal: str | None = None  # answer with this refusal (structured outputs) instead of the content
    reasoning_content: str | None = None  # a reasoning server's thinking, sent before the content
    message_extra: Json | None = None  # more fields of the message (streamed as one delta after the content)
    service_tier: str | None = None

    @classmethod
    def from_knobs(cls, knobs: Json) -> Behaviour:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(knobs) - known)
        if unknown:
            raise BadRequest(f"unknown behaviour knobs: {', '.join(unknown)}")
        tool_call = knobs.get("tool_call")
        if tool_call is not None and not (isinstance(tool_call, dict) and "name" in tool_call):
            raise BadRequest("tool_call must be an object with 'name' and 'arguments'", "tool_call")
        return cls(**knobs)

    def as_dict(self) -> Json:
        return dataclasses.asdict(self)


DEFAULT_BEHAVIOUR = Behaviour()


def new_id(prefix: str) -> str:
    return f"{prefix}-{_PREFIX}{next(_ids):016x}"


def count_words(text: str) -> int:
    return len(text.split())


# ---------------------------------------------------------------- errors


_ERROR_TYPES = {401: "invalid_request_error", 403: "permission_error", 429: "requests"}


def error_body(status: int, message: str, type_: str | None = None, code: str | None = None) -> bytes:
    if type_ is None:
        type_ = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    if code is None and status == 429:
        code = "rate_limit_exceeded"
    return orjson.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}})


def behaviour_error_body(b: Behaviour, status: int) -> bytes:
    message = b.error_message or f"Fake upstream error (HTTP {status})."
    return error_body(status, message, b.error_type, b.error_code)


# ---------------------------------------------------------------- chat


@dataclass(slots=True)
class ChatPlan:
    """What to answer to one chat request, independent of streaming or not."""

    model: str
    n: int
    content: str | None
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    tool_call: Json | None = None
    include_usage: bool = False
    body_usage: bool = True
    logprobs: int | None = None  # asked for logprobs: how many top_logprobs each token gets
    refusal: str | None = None
    reasoning_content: str | None = None
    message_extra: Json | None = None
    service_tier: str | None = None
    id: str = field(default_factory=lambda: new_id("chatcmpl"))
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def usage(self) -> Json:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }


def prompt_tokens(messages: list[Any]) -> int:
    total = 0
    for message in messages:
        total += 3
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            total += count_words(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    total += count_words(part["text"])
    return total


def apply_stop(content: str, stop: Any) -> tuple[str, bool]:
    stops = [stop] if isinstance(stop, str) else [s for s in stop or () if isinstance(s, str) and s]
    cut = min((i for i in (content.find(s) for s in stops if s) if i >= 0), default=-1)
    return (content[:cut], True) if cut >= 0 else (content, False)


def apply_max_tokens(content: str, max_tokens: Any) -> tuple[str, bool]:
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        return content, False
    if max_tokens <= 0:
        return "", True
    for i, match in enumerate(_WORD.finditer(content), start=1):
        if i == max_tokens:
            end = match.end()
            return content[:end], bool(content[end:].strip())
    return content, False


def plan_chat(body: Json, b: Behaviour) -> ChatPlan:
    model = body.get("model")
    messages = body.get("messages")
    if not isinstance(model, str) or not model:
        raise BadRequest("you must provide a model parameter", "model")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty array", "messages")
    n = body.get("n") or 1
    if not isinstance(n, int) or not 1 <= n <= 128:
        raise BadRequest("'n' must be an integer between 1 and 128", "n")
    options = body.get("stream_options") or {}
    include_usage = bool(body.get("stream") and options.get("include_usage") and b.usage_in_stream)
    plan = ChatPlan(model, n, None, "tool_calls", prompt_tokens(messages), 0, include_usage=include_usage)
    plan.body_usage = b.usage_in_body
    if body.get("logprobs"):
        plan.logprobs = int(body.get("top_logprobs") or 0)
    if b.tool_call is not None:
        plan.tool_call = {
            "id": new_id("call"),
            "type": "function",
            "function": {"name": b.tool_call["name"], "arguments": b.tool_call.get("arguments", "{}")},
        }
        if b.tool_call.get("omit_id"):  # as some OpenAI-compatible servers answer
            del plan.tool_call["id"]
        plan.completion_tokens = n * max(1, count_words(plan.tool_call["function"]["arguments"] or ""))
        return plan
    plan.reasoning_content, plan.message_extra, plan.service_tier = b.reasoning_content, b.message_extra, b.service_tier
    if b.refusal is not None:
        plan.refusal, plan.finish_reason, plan.completion_tokens = b.refusal, "stop", n * count_words(b.refusal)
        return plan
    content, truncated = b.content, False
    stop = body.get("stop")
    if stop:
        content, _ = apply_stop(content, stop)
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        content, truncated = apply_max_tokens(content, max_tokens)
    plan.content = content
    plan.finish_reason = "length" if truncated else "stop"
    plan.completion_tokens = n * count_words(content)
    return plan


def chat_completion(plan: ChatPlan) -> bytes:
    message: Json = {"role": "assistant", "content": plan.content}
    if plan.tool_call is not None:
        message["tool_calls"] = [plan.tool_call]
    message.update(_given(plan.refusal, plan.reasoning_content, plan.message_extra))
    logprobs = token_logprobs(plan.content or "", plan.logprobs)
    choices = [
        {"index": i, "message": message, "logprobs": logprobs, "finish_reason": plan.finish_reason}
        for i in range(plan.n)
    ]
    return orjson.dumps(
        {
            "id": plan.id,
            "object": "chat.completion",
            "created": plan.created,
            "model": plan.model,
            "choices": choices,
            **({"usage": plan.usage} if plan.body_usage else {}),
            "system_fingerprint": "fp_fake",
            **_given(service_tier=plan.service_tier),
        }
    )


def _given(
    refusal: str | None = None, reasoning_content: str | None = None, extra: Json | None = None, **more: Any
) -> Json:
    """The optional fields that have a value."""
    fields = {"refusal": refusal, "reasoning_content": reasoning_content, **more}
    return {**{k: v for k, v in fields.items() if v is not None}, **(extra or {})}


def split_pieces(text: str, count: int | None) -> list[str]:
    """Split `text` into `count` consecutive pieces (default: one per word, keeping the spaces)."""
    if not text:
        return []
    words = text.split(" ")
    pieces = [words[0], *(" " + w for w in words[1:])]
    if count is None or count == len(pieces):
        return pieces
    count = max(1, count)
    if count > len(pieces):  # more chunks than words: cut the characters instead
        pieces, count = list(text), min(count, len(text))
    size, extra = divmod(len(pieces), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append("".join(pieces[start:end]))
        start = end
    return out


def _sse(obj: Json) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"


def stream_events(plan: ChatPlan, b: Behaviour) -> Iterator[tuple[int, bytes]]:
    """Yield (kind, SSE event) pairs exactly as OpenAI streams them; kind is ROLE, CONTENT or TAIL."""
    base: Json = {
        "id": plan.id,
        "object": "chat.completion.chunk",
        "created": plan.created,
        "model": plan.model,
        "system_fingerprint": "fp_fake",
        **_given(service_tier=plan.service_tier),
    }
    if plan.include_usage:
        base["usage"] = None

    def chunk(delta: Json, finish_reason: str | None = None, logprobs: Json | None = None) -> list[bytes]:
        return [
            _sse(
                {
                    **base,
                    "choices": [{"index": i, "delta": delta, "logprobs": logprobs, "finish_reason": finish_reason}],
                }
            )
            for i in range(plan.n)
        ]

    if plan.tool_call is not None:
        call = plan.tool_call
        first = {**call, "index": 0, "function": {"name": call["function"]["name"], "arguments": ""}}
        yield ROLE, b"".join(chunk({"role": "assistant", "content": None, "tool_calls": [first]}))
        arguments = call["function"]["arguments"] or ""
        for piece in split_pieces(arguments, max(2, b.chunk_count or 3)) or [""]:
            yield CONTENT, b"".join(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    else:
        yield ROLE, b"".join(chunk({"role": "assistant", "content": None if plan.refusal is not None else ""}))
        for piece in split_pieces(plan.reasoning_content or "", b.chunk_count):
            yield CONTENT, b"".join(chunk({"reasoning_content": piece}))
        for piece in split_pieces(plan.refusal or "", b.chunk_count):
            yield CONTENT, b"".join(chunk({"refusal": piece}))
        for piece in split_pieces(plan.content or "", b.chunk_count):
            yield CONTENT, b"".join(chunk({"content": piece}, logprobs=token_logprobs(piece, plan.logprobs)))
        if plan.message_extra:
            yield CONTENT, b"".join(chunk(plan.message_extra))
    yield TAIL, b"".join(chunk({}, plan.finish_reason))
    if plan.include_usage:
        yield TAIL, _sse({**base, "choices": [], "usage": plan.usage})
    yield TAIL, SSE_DONE


def token_logprobs(text: str, top: int | None) -> Json | None:
    """OpenAI's ``logprobs`` for `text` when asked (`top` alternatives a token), one token a word."""
    if top is None or not text:
        return None

    def entry(token: str, logprob: float) -> Json:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

    content = [
        {
            **entry(piece, -0.25),
            "top_logprobs": [entry(piece, -0.25), *(entry(f"alt{k}", -2.0 - k) for k in range(1, top))][:top],
        }
        for piece in split_pieces(text, None)
    ]
    return {"content": content, "refusal": None}


# ---------------------------------------------------------------- embeddings


def _inputs(raw: Any) -> list[tuple[bytes, int]]:
    """Normalise `input` to (hash key, token count) pairs."""
    if isinstance(raw, str):
        return [(raw.encode(), count_words(raw))]
    if isinstance(raw, list) and raw:
        if all(isinstance(x, int) for x in raw):
            return [(b"tokens:" + orjson.dumps(raw), len(raw))]
        if all(isinstance(x, str) for x in raw):
            return [(x.encode(), count_words(x)) for x in raw]
        if all(isinstance(x, list) and all(isinstance(t, int) for t in x) for x in raw):
            return [(b"tokens:" + orjson.dumps(x), len(x)) for x in raw]
    raise BadRequest("'input' must be a string, an array of strings or an array of token arrays", "input")


def embed(key: bytes, dims: int) -> bytes:
    """A deterministic unit vector for `key`, as little-endian float32 bytes."""
    raw = hashlib.shake_256(key).digest(dims * 2)
    values = [v / 32767.5 - 1.0 for v in struct.unpack(f"<{dims}H", raw)]
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    return struct.pack(f"<{dims}f", *(v / norm for v in values))


def embeddings(body: Json, b: Behaviour) -> bytes:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("you must provide a model parameter", "model")
    dims = body.get("dimensions") or b.embedding_dims
    as_base64 = body.get("encoding_format") == "base64"
    data, tokens = [], 0
    for index, (key, count) in enumerate(_inputs(body.get("input"))):
        packed = embed(key, dims)
        tokens += count
        vector: Any = base64.b64encode(packed).decode() if as_base64 else list(struct.unpack(f"<{dims}f", packed))
        data.append({"object": "embedding", "index": index, "embedding": vector})
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return orjson.dumps({"object": "list", "data": data, "model": model, "usage": usage})


def models(ids: list[str]) -> bytes:
    created = int(time.time())
    data = [{"id": i, "object": "model", "created": created, "owned_by": "fake-upstream"} for i in ids]
    return orjson.dumps({"object": "list", "data": data})
