"""In the playground, a turn a guardrail blocked stays in the transcript, marked as blocked, but is
left out of the conversation sent with the next message: one blocked prompt does not block every
message after it, and the turns that went through are still sent."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, Request

from tests.console.conftest import admin_call, sign_in
from tests.support.gateway import RunningGateway

GUARDRAIL = {
    "name": "playground-words",
    "blockedInputMessaging": "BLOCKED",
    "blockedOutputsMessaging": "BLOCKED",
    "wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}]},
}


def _send(page: Page, text: str) -> tuple[str, str]:
    before = page.locator("#pg-chat .msg.assistant").count()
    page.locator("#pg-message").fill(text)
    page.locator("#pg-send").click()
    page.locator("#pg-stats [data-stat=guardrail]").wait_for()
    page.wait_for_function(f"document.querySelectorAll('#pg-chat .msg.assistant').length > {before}")
    page.wait_for_function("!document.querySelector('#pg-chat [aria-busy]')")
    answer = page.locator("#pg-chat .msg.assistant").last.inner_text()
    return answer, page.locator("#pg-stats [data-stat=guardrail]").inner_text()


def test_after_a_blocked_prompt_the_next_message_is_answered_and_the_blocked_turn_is_marked(
    gateway: RunningGateway, page: Page
) -> None:
    gid = admin_call(gateway, "POST", "/guardrails", json=GUARDRAIL).json()["guardrailId"]
    sent: list[list[dict[str, Any]]] = []

    def record(request: Request) -> None:
        if request.url.endswith("/console/playground/chat"):
            sent.append(json.loads(request.post_data or "{}")["messages"])

    page.on("request", record)
    sign_in(page, gateway, then="/console/playground")
    page.locator("#pg-model").select_option("echo")
    page.locator("#pg-guardrail").fill(gid)
    answer, verdict = _send(page, "hello there")
    assert answer != "BLOCKED" and "passed" in verdict
    answer, verdict = _send(page, "say the forbidden word")
    assert answer == "BLOCKED" and "blocked" in verdict
    assert page.locator("#pg-chat .msg.blocked").count() == 2  # the prompt and the canned answer
    assert "left out" in page.locator("#pg-chat").inner_text()
    answer, verdict = _send(page, "how are you?")
    assert answer != "BLOCKED" and "passed" in verdict
    assert [m["content"] for m in sent[2] if m["role"] == "user"] == ["hello there", "how are you?"]
    assert all("forbidden" not in m["content"] and m["content"] != "BLOCKED" for m in sent[2])
