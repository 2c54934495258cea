"""A cached answer as stored: one line of facts about the original call, then the answer's JSON.

The answer is kept as the JSON callers were sent (after the output guardrails): a completion, or
a stream's chunks as a JSON array (the usage chunk last). Bytes, so that the in-process store
can count what it holds and Redis can keep it as it is; a hit parses it once, in pydantic-core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import orjson

Kind = Literal["completion", "chunks"]
VERSION = 2  # 2: the output guardrails' outcomes kept too


class BadEntry(ValueError):
    """Bytes that are not an entry of this version (another release wrote them): a miss."""


@dataclass(slots=True)
class CacheEntry:
    kind: Kind
    body: bytes  # the completion's JSON, or the JSON array of the stream's chunks
    served_model: str | None  # the public model that answered (a fallback's, a routed one's)
    deployment: str | None  # the deployment that answered: what a replay saves is priced by it
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: str = "0"  # what the original call cost, as exact decimal text
    stored_at: float = 0.0  # time.time() when stored (the Age header)
    guardrails: list[Any] = field(default_factory=list)  # output guardrail outcomes (guardrails/replayed.py)

    @property
    def cost(self) -> Decimal:
        return Decimal(self.cost_usd)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def encode(self) -> bytes:
        head: list[object] = [VERSION, self.kind, self.served_model, self.deployment, self.prompt_tokens]
        head += [self.completion_tokens, self.cached_tokens, self.cost_usd, self.stored_at or time.time()]
        head.append(self.guardrails)
        return orjson.dumps(head) + b"\n" + self.body

    @classmethod
    def decode(cls, data: bytes) -> CacheEntry:
        end = data.find(b"\n")
        try:
            head = orjson.loads(data[:end]) if end > 0 else None
        except orjson.JSONDecodeError:
            head = None
        if not isinstance(head, list) or len(head) != 10 or head[0] != VERSION:
            raise BadEntry("not a cache entry of this version")
        _, kind, served, deployment, prompt, completion, cached, cost, stored, guardrails = head
        return cls(kind, data[end + 1 :], served, deployment, prompt, completion, cached, cost, stored, guardrails)
