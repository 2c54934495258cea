"""An invocation record: the call's metadata, and its bodies when kept, as plain JSON values.

Built off the request path (the writer's task) from references the pipeline left on the call: the
canonical request the model was asked, and the completion, the embeddings or the stream it
answered with. Bodies are in the canonical form (OpenAI chat completions) whatever surface the
caller used; embeddings are recorded by count and size, not by their vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from gateway.services.stream_relay import ChatStream
from gateway.services.usage.record import UsageEvent
from providers.canonical import EmbeddingResponse


@dataclass(slots=True)
class Pending:
    """What the request boundary hands over: the usage record, and the bodies' sources if kept."""

    event: UsageEvent
    operation: str
    prompt: Any = None
    reply: Any = None
    bodies: bool = False


def metadata(pending: Pending) -> dict[str, Any]:
    event = pending.event
    return {
        "id": event.id,
        "request_id": event.request_id,
        "ts": datetime.fromtimestamp(event.ts, UTC),
        "surface": event.surface,
        "operation": pending.operation,
        "key_id": event.key_id,
        "team_id": event.team_id,
        "model": event.model,
        "served_model": event.served_model,
        "deployment": event.deployment,
        "provider": event.provider,
        "stream": event.stream,
        "status": event.status,
        "error_type": event.error_type,
        "latency_ms": round(event.latency_ms, 3),
        "ttft_ms": round(event.ttft_ms, 3) if event.ttft_ms is not None else None,
        "attempts": event.attempts,
        "prompt_tokens": event.prompt_tokens,
        "completion_tokens": event.completion_tokens,
        "cached_tokens": event.cached_tokens,
        "guardrail_action": event.guardrail_action,
        "request_metadata": event.request_metadata,
    }


def build(pending: Pending) -> dict[str, Any]:
    """The record as stored: metadata always, ``request_body`` and ``response_body`` when kept."""
    record = metadata(pending)
    record["request_body"] = _dump(pending.prompt) if pending.bodies else None
    record["response_body"] = _reply(pending.reply) if pending.bodies else None
    return record


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return value


def _reply(reply: Any) -> Any:
    if isinstance(reply, ChatStream):
        return {"stream": True, "text": reply.answer_text()}
    if isinstance(reply, EmbeddingResponse):
        vectors = [item.embedding for item in reply.data]
        size = len(vectors[0]) if vectors and isinstance(vectors[0], list) else None
        return {"embeddings": len(vectors), "dimensions": size}
    return _dump(reply)
