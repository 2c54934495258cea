"""What the OpenAI error tests (test_openai_errors_*.py) share: a chat body and the chat URL."""

from __future__ import annotations

from tests.integration.conftest import USER
from tests.support.gateway import RunningGateway

CHAT = {"model": "gpt-test", "messages": USER}


def chat_url(gateway: RunningGateway) -> str:
    return f"{gateway.openai_base}/chat/completions"
