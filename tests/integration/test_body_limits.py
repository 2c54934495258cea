"""Every route bounds what it reads: a body past STRATA_MAX_BODY_BYTES is a 413 in the caller's
error shape (the guardrail check and the admin API included, not only the model calls), and a
caller that leaves halfway through its body is not an error of the gateway's."""

from __future__ import annotations

import logging
import socket
from typing import Any

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, assert_openai_error, catalog_yaml, openai_deployment
from tests.support.gateway import RunningGateway

GUARDRAILS = {
    "guardrails": {
        "mail": {
            "blockedInputMessaging": "no",
            "blockedOutputsMessaging": "no",
            "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
        }
    }
}


@pytest.fixture()
def small_gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    import yaml

    catalog = yaml.safe_load(catalog_yaml({"gpt-test": [openai_deployment(upstream.url)]}))
    return start_gateway(yaml.safe_dump({**catalog, **GUARDRAILS}), max_body_bytes=4096)


def _apply_body(size: int) -> dict[str, Any]:
    return {"guardrail": "mail", "text": "ana@example.com " * (size // 16)}


def test_a_guardrail_check_past_the_body_limit_is_a_413(small_gateway: RunningGateway) -> None:
    url = f"{small_gateway.base_url}/v1/guardrails/apply"
    small = httpx.post(url, json=_apply_body(1000), headers=small_gateway.headers())
    assert small.status_code == 200, small.text
    error = assert_openai_error(httpx.post(url, json=_apply_body(20_000), headers=small_gateway.headers()), 413)
    assert error["code"] == "request_too_large"


def test_a_chunked_guardrail_check_past_the_limit_is_a_413(small_gateway: RunningGateway) -> None:
    body = httpx.Request("POST", "/", json=_apply_body(20_000)).read()

    def pieces() -> Any:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    with httpx.Client(timeout=10) as http:
        response = http.post(
            f"{small_gateway.base_url}/v1/guardrails/apply",
            content=pieces(),
            headers={**small_gateway.headers(), "content-type": "application/json"},
        )
    assert_openai_error(response, 413)


def test_an_admin_call_past_the_body_limit_is_a_413(small_gateway: RunningGateway) -> None:
    response = httpx.post(
        f"{small_gateway.base_url}/admin/keys",
        json={"name": "big", "metadata": {"note": "x" * 20_000}},
        headers=small_gateway.headers(),
    )
    assert_openai_error(response, 413)
    keys = httpx.get(f"{small_gateway.base_url}/admin/keys", headers=small_gateway.headers())
    assert keys.status_code == 200 and all(k.get("name") != "big" for k in keys.json())


def test_a_caller_leaving_halfway_through_its_body_is_not_logged_as_an_error(
    small_gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = small_gateway.base_url.removeprefix("http://").split(":")
    head = (
        "POST /v1/guardrails/apply HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Bearer {small_gateway.master_key}\r\n"
        "Content-Type: application/json\r\nContent-Length: 3000\r\n\r\n"
    )
    caplog.set_level(logging.INFO, logger="strata")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(head.encode() + b'{"guardrail": "mail", "text": "ana@')
    for _ in range(50):  # the server notices the close on its next read
        if any("left before sending" in r.getMessage() for r in caplog.records):
            break
        httpx.get(f"{small_gateway.base_url}/health/live")
    messages = [r.getMessage() for r in caplog.records]
    assert any("left before sending" in m for m in messages), messages
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], messages
    assert httpx.get(f"{small_gateway.base_url}/health/live").status_code == 200
