"""Strata's Python client: the runtime calls and the admin API of a running gateway, typed.

    from gateway.client import Strata, RateLimitError

    with Strata(base_url="http://127.0.0.1:4000", api_key="sk-...") as client:
        reply = client.chat(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        key = client.admin.keys.create(name="ci", limits={"rpm": 60})

It needs httpx, pydantic and tenacity only: nothing of the server (FastAPI, uvicorn, SQLAlchemy,
litellm, torch) is imported. The exceptions load with the package; the clients and their types
when first named, so ``from gateway.client import StrataError`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gateway.client.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GuardrailIntervened,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
    RateLimitError,
    ServiceUnavailableError,
    StrataError,
    TimeoutError,
    UpstreamError,
)

if TYPE_CHECKING:
    from gateway.client.admin_types import Key, KeyCreated, Limits, Team
    from gateway.client.alert_types import Alert, AlertRules, SpendRate
    from gateway.client.client import AsyncStrata, Strata
    from gateway.client.types import ChatCompletion, ChatCompletionChunk, ConverseResponse, Embeddings

_LAZY = {
    "Strata": "gateway.client.client",
    "AsyncStrata": "gateway.client.client",
    "ChatCompletion": "gateway.client.types",
    "ChatCompletionChunk": "gateway.client.types",
    "ConverseResponse": "gateway.client.types",
    "Embeddings": "gateway.client.types",
    "Key": "gateway.client.admin_types",
    "KeyCreated": "gateway.client.admin_types",
    "Limits": "gateway.client.admin_types",
    "Team": "gateway.client.admin_types",
    "Alert": "gateway.client.alert_types",
    "AlertRules": "gateway.client.alert_types",
    "SpendRate": "gateway.client.alert_types",
}

__all__ = [
    "APIConnectionError",
    "Alert",
    "AlertRules",
    "AsyncStrata",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ConflictError",
    "ConverseResponse",
    "Embeddings",
    "GuardrailIntervened",
    "InternalServerError",
    "Key",
    "KeyCreated",
    "Limits",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "ServiceUnavailableError",
    "SpendRate",
    "Strata",
    "StrataError",
    "Team",
    "TimeoutError",
    "UpstreamError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gateway.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
