"""A hit says what the original answer said, and nothing it did not: a streamed tool call served
to a plain request is a well-formed tool call, a masked answer replays with the guardrail's
outcome, a refused hit is no hit, ``only-if-cached`` never asks a model, and an alias's answers
are cleared with its model's."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin, created
from tests.integration.cache_helpers import ASK, cache_catalog, chat, upstream_calls
from tests.integration.conftest import MakeClient, StartGateway
from tests.support.gateway import RunningGateway

MASK_ANSWERS = {
    "blockedInputMessaging": "No.",
    "blockedOutputsMessaging": "Withheld.",
    "sensitiveInformationPolicyConfig": {"piiEntitiesConfig": [{"type": "EMAIL", "action": "ANONYMIZE"}]},
}


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    catalog = yaml.safe_load(cache_catalog(upstream))
    catalog["guardrails"] = {"mask": MASK_ANSWERS}
    return start_gateway(yaml.safe_dump(catalog), usage_flush_interval_s=0.05)


def _record(gateway: RunningGateway, request_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = admin(gateway, "GET", "/usage/records", params={"request_id": request_id}).json()["rows"]
        if rows:
            return dict(rows[0])
        time.sleep(0.05)
    raise AssertionError(f"no usage record for {request_id}")


def test_a_streamed_tool_call_served_to_a_plain_request_is_a_function_call(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    upstream.set_behaviour(tool_call={"name": "lookup", "arguments": '{"city": "Paris"}'})
    client = make_client(gateway)
    tools: Any = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    list(client.chat.completions.create(model="cached", messages=ASK, temperature=0, tools=tools, stream=True))
    raw = chat(gateway, tools=tools)
    assert raw.headers["x-strata-cache"] == "hit"
    call = raw.json()["choices"][0]["message"]["tool_calls"][0]
    assert call["type"] == "function" and call["function"]["name"] == "lookup"


@pytest.mark.parametrize("stream", [False, True])
def test_a_masked_answer_replays_with_what_the_guardrail_did(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient, stream: bool
) -> None:
    upstream.set_behaviour(content="Write to ana@example.com.")
    client: openai.OpenAI = make_client(gateway)
    reports, request_ids = [], []
    for _ in range(2):
        raw = client.chat.completions.with_raw_response.create(
            model="cached", messages=ASK, temperature=0, stream=stream, extra_headers={"x-strata-guardrail": "mask"}
        )
        request_ids.append(raw.headers["x-request-id"])
        if stream:
            chunks = list(raw.parse())
            reports.append(next(c.model_extra["strata_guardrail"] for c in chunks if c.model_extra))
        else:
            reply = raw.parse()
            assert reply.choices[0].message.content == "Write to {EMAIL}."
            reports.append(reply.model_extra["strata_guardrail"])  # type: ignore[index]
    assert raw.headers["x-strata-cache"] == "hit"
    miss, hit = reports
    assert hit["action"] == miss["action"] == "GUARDRAIL_INTERVENED"
    assert hit["policies"] == miss["policies"] == ["sensitive_information"]
    assert hit["output"][0]["assessment"]["sensitiveInformationPolicy"]["piiEntities"] == [
        {"match": "{EMAIL}", "type": "EMAIL", "action": "ANONYMIZED", "detected": True}
    ]
    assert _record(gateway, request_ids[1])["guardrail_action"] == "anonymized:sensitive"
    assert upstream_calls(upstream) == 1


def test_a_hit_refused_by_a_limit_does_not_say_hit(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    key = str(created(gateway, "/keys", {"name": "limited", "limits": {"rpm": 2}})["key"])
    assert chat(gateway, key).headers["x-strata-cache"] == "miss"
    assert chat(gateway, key).headers["x-strata-cache"] == "hit"
    refused = chat(gateway, key)
    assert refused.status_code == 429
    assert "x-strata-cache" not in refused.headers and "age" not in refused.headers


def test_only_if_cached_never_asks_a_model_without_a_cache(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    raw = chat(gateway, headers={"x-strata-cache": "only-if-cached"}, model="plain")
    assert raw.status_code == 504
    assert raw.json()["error"]["code"] == "not_cached"
    assert upstream_calls(upstream) == 0


def test_only_if_cached_never_asks_a_model_when_no_model_has_a_cache(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    catalog = yaml.safe_load(cache_catalog(upstream))
    del catalog["models"]["cached"]
    gateway = start_gateway(yaml.safe_dump(catalog))
    raw = chat(gateway, headers={"x-strata-cache": "only-if-cached"}, model="plain")
    assert (raw.status_code, raw.json()["error"]["code"]) == (504, "not_cached")
    assert upstream_calls(upstream) == 0


def test_clearing_an_alias_clears_its_model_s_answers(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    chat(gateway, model="cached-alias")
    assert chat(gateway).headers["x-strata-cache"] == "hit"
    cleared = admin(gateway, "DELETE", "/cache", params={"model": "cached-alias"})
    assert cleared.status_code == 200 and cleared.json()["deleted"] == 1
    assert chat(gateway).headers["x-strata-cache"] == "miss"
