"""What the shared-Redis quota tests share: fresh names (so that nothing is flushed and runs never see
each other's counters), and a chat call through a gateway."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import USER
from tests.support.gateway import RunningGateway


def fresh() -> str:
    return uuid.uuid4().hex[:10]


def _post(gateway: RunningGateway, model: str) -> httpx.Response:
    payload = {"model": model, "messages": USER}
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=payload, headers=gateway.headers(), timeout=10)
