"""Cache keys: a hash of everything that decides an answer, within the caller's scope.

The request is serialised once (orjson, sorted keys) without what cannot change the answer
(``user``, ``metadata``, ``stream``, ``stream_options``, ``store``) and with the public model
asked for (after aliases) in place of the name the caller used. Stream or not is left out, so
one answer serves both, except when log probabilities are asked for (a replay could not rebuild
them across the two shapes). The guardrails applied (id, version and a hash of the definition, so
that an edited DRAFT does not serve answers its old self shaped) are part of it. The scope is
the caller's team (or its key, without a team), or ``shared`` for models that say ``shared:
true``: one tenant never reads another's answers.

Keys read ``strata:cache:{model}:{scope}:{hash}``, model and scope percent-encoded (no ``:``,
no glob characters), so that deleting by model or by team is one pattern.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import orjson

from gateway.services.context import Principal
from providers.canonical import ChatCompletionRequest

PREFIX = "strata:cache:"
SHARED = "shared"
_IGNORED = {"model", "user", "metadata", "stream", "stream_options", "store"}
_SORTED = orjson.OPT_SORT_KEYS


def scope_of(principal: Principal, shared: bool) -> str:
    if shared:
        return SHARED
    if principal.team_id is not None:
        return "t." + quote(principal.team_id, safe="")
    return "k." + quote(principal.key_id, safe="")


def team_scope(team_id: str) -> str:
    return "t." + quote(team_id, safe="")


def model_part(model: str) -> str:
    return quote(model, safe="")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _canonical(request: ChatCompletionRequest) -> dict[str, Any]:
    body = request.model_dump(exclude_none=True, exclude=_IGNORED)
    if request.wants_logprobs():
        body["stream"] = request.stream
    return body


def guardrail_ids(guardrails: Sequence[Any]) -> list[tuple[str, str, str]]:
    return [(g.guardrail_id, g.version, g.fingerprint) for g in guardrails]


def exact_key(model: str, scope: str, request: ChatCompletionRequest, guardrails: Sequence[Any]) -> str:
    """The exact cache key of a request (its store key: model and scope readable, the rest hashed)."""
    body = _canonical(request)
    body["\x00guardrails"] = guardrail_ids(guardrails)
    return f"{PREFIX}{model_part(model)}:{scope}:{_digest(orjson.dumps(body, option=_SORTED))}"


def last_user_text(request: ChatCompletionRequest) -> tuple[int, str] | None:
    """(index, text) of the last user message when it is plain text; None otherwise."""
    for index in range(len(request.messages) - 1, -1, -1):
        message = request.messages[index]
        if message.role != "user":
            continue
        content = message.content
        if isinstance(content, str):
            return index, content
        if content and all(part.type == "text" for part in content):
            return index, message.text()
        return None
    return None


def semantic_partition(
    model: str, scope: str, request: ChatCompletionRequest, guardrails: Sequence[Any], user_index: int
) -> str:
    """Where a semantic neighbour must be: same scope, model, parameters, guardrails and every
    message but the last user message's text (the system prompt and earlier turns match exactly)."""
    body = _canonical(request)
    messages = body["messages"]
    messages[user_index] = {"role": "user", "content": None}
    body["\x00guardrails"] = guardrail_ids(guardrails)
    return f"{model_part(model)}:{scope}:{_digest(orjson.dumps(body, option=_SORTED))}"


def partition_prefix(model: str | None, scope: str | None) -> str | None:
    """The semantic index's prefix for a model and/or scope (None: every partition); a scope
    without a model has no prefix (the caller clears it model by model)."""
    if model is None:
        return None
    return f"{model_part(model)}:" + (f"{scope}:" if scope is not None else "")
