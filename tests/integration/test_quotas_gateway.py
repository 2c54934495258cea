"""Limits through a real gateway (in-process store): model-wide limits from the YAML, called with
the openai SDK and boto3, against the fake upstream (which counts words as tokens).

Windows are real UTC minutes: a test that must fit in one waits for a fresh minute when fewer
than 10 s are left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from botocore.exceptions import ClientError

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, USER, MakeClient, StartGateway, openai_deployment
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway, gateway_in_thread

PRICE = {"input_cost_per_token": 0.001, "output_cost_per_token": 0.002}  # USD per token
BUDGET_USD = 0.1
PATIENT = {"connect": 10, "read": 20, "total": 30}  # bursts on a busy machine must not time out: we count limits
RATE_HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
)


def limited(api_base: str, upstream_model: str, limits: dict[str, Any], **deployment: Any) -> dict[str, Any]:
    return {
        "limits": limits,
        "routing": NO_RETRIES,
        "deployments": [openai_deployment(api_base, upstream_model, **{"timeouts": PATIENT, **deployment})],
    }


def quota_catalog(api_base: str) -> str:
    models = {
        "rpm-3": limited(api_base, "rpm-up", {"rpm": 3}),
        "rpm-bedrock": limited(api_base, "rpm-bedrock-up", {"rpm": 1}),
        "tpm-40": limited(api_base, "tpm-up", {"tpm": 40}),
        "two-at-once": limited(api_base, "conc-up", {"max_concurrent": 2}),
        "one-stream": limited(api_base, "stream-up", {"max_concurrent": 1}),
        "budget": limited(api_base, "budget-up", {"budget_usd_day": BUDGET_USD}, pricing=PRICE),
        "budget-loose": {
            **limited(api_base, "loose-up", {"budget_usd_day": BUDGET_USD}, pricing=PRICE),
            "estimated_output_tokens": 5,
        },
        "tpm-hammered": {**limited(api_base, "hammered-up", {"tpm": 200}), "estimated_output_tokens": 5},
        "failing": limited(api_base, "failing-up", {"max_concurrent": 1, "rpm": 1000}),
        "free": {"deployments": [openai_deployment(api_base, "free-up")]},
    }
    return yaml.safe_dump({"models": models})


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("quotas")
    with gateway_in_thread(quota_catalog(upstream_server.url), folder, environ=ENVIRON) as running:
        yield running


def fresh_minute(need_s: float = 10.0) -> None:
    left = 60.0 - time.time() % 60.0
    if left < need_s:
        time.sleep(left + 0.05)


def upstream_calls(upstream: FakeUpstream, model: str) -> int:
    return sum(1 for r in upstream.requests() if r["body"].get("model") == model)


def post_chat(gateway: RunningGateway, model: str, **body: Any) -> httpx.Response:
    payload = {"model": model, "messages": USER, **body}
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=payload, headers=gateway.headers(), timeout=10)


def test_rpm_lets_n_through_then_429s_in_openais_shape(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    fresh_minute()
    client = make_client(gateway)
    for left in (2, 1, 0):
        raw = client.chat.completions.with_raw_response.create(model="rpm-3", messages=USER)  # type: ignore[arg-type]
        assert raw.headers["x-ratelimit-limit-requests"] == "3"
        assert raw.headers["x-ratelimit-remaining-requests"] == str(left)
        assert raw.headers["x-ratelimit-reset-requests"].endswith("s")
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="rpm-3", messages=USER)  # type: ignore[arg-type]
    response = caught.value.response
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
    assert error["message"].startswith("Rate limit reached for model rpm-3: 3 requests per minute.")
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert all(response.headers.get(name) for name in RATE_HEADERS)
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert upstream_calls(upstream, "rpm-up") == 3


def test_bedrock_callers_get_a_throttling_exception(
    upstream: FakeUpstream, gateway: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh_minute()
    isolate_aws_environment(monkeypatch)
    runtime = sigv4_client("bedrock-runtime", gateway)
    try:
        messages = [{"role": "user", "content": [{"text": "Say hello."}]}]
        answer = runtime.converse(modelId="rpm-bedrock", messages=messages)
        assert answer["ResponseMetadata"]["HTTPHeaders"]["x-ratelimit-remaining-requests"] == "0"
        with pytest.raises(ClientError) as caught:
            runtime.converse(modelId="rpm-bedrock", messages=messages)
    finally:
        runtime.close()
    response = caught.value.response
    assert response["Error"]["Code"] == "ThrottlingException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert "model rpm-bedrock: 1 requests per minute" in response["Error"]["Message"]
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert int(headers["retry-after"]) >= 1 and headers["x-ratelimit-limit-requests"] == "1"
    assert upstream_calls(upstream, "rpm-bedrock-up") == 1


def test_tokens_are_reserved_from_max_tokens_and_refunded_exactly(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    """Each call reserves 9 (the prompt, by tiktoken) + 20 (max_tokens) and really uses 5 + 5 = 10 (the
    fake's count). Without exact refunds the second call (10 + 29 <= 40, but 29 + 29 > 40) would be refused."""
    fresh_minute()
    first = post_chat(gateway, "tpm-40", max_tokens=20)
    assert first.status_code == 200 and first.json()["usage"]["total_tokens"] == 10
    assert first.headers["x-ratelimit-limit-tokens"] == "40"
    assert first.headers["x-ratelimit-remaining-tokens"] == "11"
    assert post_chat(gateway, "tpm-40", max_tokens=20).status_code == 200
    third = post_chat(gateway, "tpm-40", max_tokens=20)
    assert third.status_code == 429, third.text
    assert "model tpm-40: 40 tokens per minute (used 20, requested 29)" in third.json()["error"]["message"]
    assert upstream_calls(upstream, "tpm-up") == 2


def test_concurrent_requests_beyond_the_limit_are_refused_then_slots_come_back(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour("conc-up", latency_ms=800)
    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(r.status_code for r in pool.map(lambda _: post_chat(gateway, "two-at-once"), range(6)))
    assert statuses == [200, 200, 429, 429, 429, 429]
    upstream.set_behaviour("conc-up", latency_ms=0)
    assert [post_chat(gateway, "two-at-once").status_code for _ in range(3)] == [200, 200, 200]


def test_failed_calls_release_their_slot_and_never_500(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    upstream.set_behaviour("failing-up", status=500)
    assert [post_chat(gateway, "failing").status_code for _ in range(3)] == [502, 502, 502]
    upstream.set_behaviour("failing-up", status=None)
    assert post_chat(gateway, "failing").status_code == 200


def test_a_stream_holds_its_slot_until_it_ends_or_the_client_leaves(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)
    upstream.set_behaviour("stream-up", chunk_delay_ms=100, chunk_count=5)
    stream = client.chat.completions.create(model="one-stream", messages=USER, stream=True)  # type: ignore[arg-type]
    next(iter(stream))
    assert post_chat(gateway, "one-stream").status_code == 429  # the open stream holds the slot
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert post_chat(gateway, "one-stream").status_code == 200  # released when it ended

    upstream.set_behaviour("stream-up", chunk_delay_ms=2000, chunk_count=5)
    stream = client.chat.completions.create(model="one-stream", messages=USER, stream=True)  # type: ignore[arg-type]
    next(iter(stream))
    stream.close()  # the caller walks away mid-stream
    upstream.set_behaviour("stream-up", chunk_delay_ms=0)
    deadline = time.monotonic() + 5
    while (status := post_chat(gateway, "one-stream").status_code) == 429 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status == 200


def spent(responses: list[httpx.Response]) -> float:
    usage = [r.json()["usage"] for r in responses if r.status_code == 200]
    return float(sum(u["prompt_tokens"] * 0.001 + u["completion_tokens"] * 0.002 for u in usage))


def test_a_budget_with_max_tokens_never_overspends_even_when_hammered(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    """Each call costs 5 * 0.001 + 5 * 0.002 = 0.015 USD and reserves 9 * 0.001 + 10 * 0.002 = 0.029."""
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post_chat(gateway, "budget", max_tokens=10), range(24)))
    statuses = {r.status_code for r in responses}
    assert statuses == {200, 429}, statuses
    # Refusals that raced calls still in flight may have left some budget: spend it one call at a time.
    while (last := post_chat(gateway, "budget", max_tokens=10)).status_code == 200:
        responses.append(last)
    responses.append(last)
    assert BUDGET_USD - 0.029 <= spent(responses) <= BUDGET_USD
    refused = next(r for r in responses if r.status_code == 429).json()["error"]
    assert refused["code"] == "insufficient_quota" and "Budget reached for model budget" in refused["message"]
    assert upstream_calls(upstream, "budget-up") == sum(r.status_code == 200 for r in responses)


def test_a_budget_without_max_tokens_reserves_the_models_output_estimate_and_stops_at_the_budget(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    """budget-loose estimates 5 reply tokens (what the fake writes): each call reserves 0.019 USD."""
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post_chat(gateway, "budget-loose"), range(16)))
    while (last := post_chat(gateway, "budget-loose")).status_code == 200:
        responses.append(last)
    responses.append(last)
    assert BUDGET_USD - 0.019 <= spent(responses) <= BUDGET_USD, "concurrent calls never overspend"


def test_concurrent_calls_without_max_tokens_stay_within_a_tpm_limit(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    """Calls used to reserve their prompt only (a reply without max_tokens reserved nothing), so
    concurrent calls passed a tpm limit by their replies (tpm 1,000 let 1,185 through). Now each
    reserves the model's output estimate, here 5 (the fake's reply): never past the limit."""
    fresh_minute(need_s=20)
    upstream.set_behaviour("hammered-up", latency_ms=200)  # eight calls in flight at a time
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: post_chat(gateway, "tpm-hammered"), range(40)))
    assert {r.status_code for r in responses} == {200, 429}
    while (last := post_chat(gateway, "tpm-hammered")).status_code == 200:  # what refunds left over
        responses.append(last)
    used = sum(r.json()["usage"]["total_tokens"] for r in responses if r.status_code == 200)
    assert 200 - 14 <= used <= 200, used


def test_a_model_without_limits_has_no_rate_limit_headers(gateway: RunningGateway) -> None:
    response = post_chat(gateway, "free")
    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("x-ratelimit")]


def test_readiness_names_the_quota_store(gateway: RunningGateway) -> None:
    body = httpx.get(f"{gateway.base_url}/health/ready").json()
    assert body["quotas"] == {"backend": "memory", "state": "ok"}


def test_virtual_key_and_team_limits_are_enforced_and_named(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    """End to end with keys from the admin API: a key's own rpm, then its team's, shared by its keys."""
    gateway = start_gateway(yaml.safe_dump({"models": {"m": {"deployments": [openai_deployment(upstream.url)]}}}))

    def admin(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{gateway.base_url}/admin{path}", json=body, headers=gateway.headers())
        assert response.status_code == 201, response.text
        return dict(response.json())

    team = admin("/teams", {"name": "quota-team", "limits": {"rpm": 3}})
    capped = admin("/keys", {"name": "capped", "team_id": team["id"], "limits": {"rpm": 2}})
    other = admin("/keys", {"name": "other", "team_id": team["id"]})
    fresh_minute()
    as_capped = [post_chat(RunningGateway(gateway.base_url, capped["key"]), "m") for _ in range(3)]
    assert [r.status_code for r in as_capped] == [200, 200, 429]
    assert f"for key {capped['id']}: 2 requests per minute" in as_capped[2].json()["error"]["message"]
    as_other = [post_chat(RunningGateway(gateway.base_url, other["key"]), "m") for _ in range(2)]
    assert [r.status_code for r in as_other] == [200, 429]  # the team's third request was its last
    assert f"for team {team['id']}: 3 requests per minute" in as_other[1].json()["error"]["message"]
