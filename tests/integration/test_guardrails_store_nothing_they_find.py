"""What an input guardrail finds is never kept: a prompt it blocked reaches no model, and neither
the invocation log nor the Responses API's stored input items (which the key's team may list) keep
the card number that blocked it; a prompt it masked is kept masked there too."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, openai_deployment
from tests.support.gateway import RunningGateway, gateway_in_thread

CARD = "4111 1111 1111 1111"
MAIL = "ann.lee@example.org"
GUARD = {
    "blockedInputMessaging": "Blocked.",
    "blockedOutputsMessaging": "Withheld.",
    "sensitiveInformationPolicyConfig": {
        "piiEntitiesConfig": [
            {"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "BLOCK"},
            {"type": "EMAIL", "action": "ANONYMIZE"},
        ]
    },
}


@pytest.fixture(scope="module")
def logged(
    upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningGateway, Path]]:
    folder: Path = tmp_path_factory.mktemp("kept")
    catalog = {
        "guardrails": {"cards": GUARD},
        "models": {
            "guarded": {
                "deployments": [openai_deployment(upstream_server.url, "kept-up")],
                "guardrails": ["cards"],
                "log_bodies": True,
            }
        },
    }
    settings = {"invocation_logs": "file", "invocation_log_dir": folder / "invocations"}
    with gateway_in_thread(yaml.safe_dump(catalog), folder, environ=ENVIRON, **settings) as gateway:
        yield gateway, folder / "invocations"


def _records(folder: Path, request_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [
            json.loads(line)
            for path in sorted(folder.glob("invocations*.jsonl"))
            for line in path.read_text().splitlines()
            if request_id in line
        ]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no invocation record for {request_id}")


@pytest.mark.parametrize(("prompt", "kept"), [(f"pay with {CARD}", CARD), (f"write to {MAIL}", MAIL)])
def test_the_invocation_log_keeps_no_value_an_input_guardrail_found(
    logged: tuple[RunningGateway, Path], prompt: str, kept: str
) -> None:
    gateway, folder = logged
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="guarded", messages=[{"role": "user", "content": prompt}]
        )
    (record,) = _records(folder, raw.headers["x-request-id"])
    assert record["request_body"] is not None
    assert kept not in json.dumps(record)
    assert "{" in record["request_body"]["messages"][0]["content"]  # a placeholder where the value was


@pytest.mark.parametrize(("prompt", "kept"), [(f"pay with {CARD}", CARD), (f"write to {MAIL}", MAIL)])
def test_a_stored_responses_input_keeps_no_value_an_input_guardrail_found(
    logged: tuple[RunningGateway, Path], upstream: FakeUpstream, prompt: str, kept: str
) -> None:
    gateway, _ = logged
    with openai.OpenAI(base_url=gateway.openai_base, api_key=gateway.master_key, max_retries=0) as client:
        response = client.responses.create(model="guarded", input=[{"role": "user", "content": prompt}])
        items = client.responses.input_items.list(response.id)
    stored = json.dumps([item.model_dump() for item in items.data])
    assert kept not in stored and "{" in stored, stored
    assert all(kept not in json.dumps(r["body"]) for r in upstream.requests())
