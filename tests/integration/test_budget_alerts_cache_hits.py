"""Budget alerts count what the budget counts: with ``cache: {quota: full}`` a cache hit costs
nothing upstream but takes the original call's cost from the key's budget, so the alerts must see
it too, or a key that lives on hits is refused "Budget reached" without a webhook ever sent."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import NO_RETRIES, USER, StartGateway, assert_openai_error, openai_deployment
from tests.integration.test_budget_alerts import FAST, MODEL, PRICE, admin, created
from tests.support.gateway import RunningGateway
from tests.support.webhooks import Receiver, verified


def cached_catalog(api_base: str, quota: str) -> str:
    deployment = openai_deployment(api_base, "priced-up", pricing=PRICE)
    model = {
        "deployments": [deployment],
        "routing": NO_RETRIES,
        "estimated_output_tokens": 5,
        "cache": {"quota": quota, "shared": True},  # one answer for every key: the admin's call stores it
    }
    return yaml.safe_dump({"models": {MODEL: model}})


def cached_call(gateway: RunningGateway, key: str) -> httpx.Response:
    body: dict[str, Any] = {"model": MODEL, "messages": USER, "temperature": 0}  # cacheable: does not sample
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers(key), timeout=10)


def cached_answer_cost(gateway: RunningGateway) -> float:
    """Answer once upstream (with the admin key, which has no budget) and wait until the answer is
    stored (off the request path); what that call cost, which every hit on it is charged with."""
    first = cached_call(gateway, gateway.master_key)
    assert first.status_code == 200 and first.headers["x-strata-cache"] == "miss"
    deadline = time.monotonic() + 10
    while cached_call(gateway, gateway.master_key).headers["x-strata-cache"] != "hit":
        assert time.monotonic() < deadline, "the answer was never stored"
        time.sleep(0.05)
    return float(first.json()["usage"]["completion_tokens"] * PRICE["output_cost_per_token"])


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver) -> RunningGateway:
    return start_gateway(cached_catalog(upstream.url, "full"), alert_webhook_url=receiver.url, **FAST)


def test_cache_hits_charged_to_the_budget_send_its_threshold_alerts_before_it_refuses(
    gateway: RunningGateway, receiver: Receiver
) -> None:
    per_call = cached_answer_cost(gateway)
    limits = {"budget_usd_day": 4 * per_call}
    key = created(gateway, "/keys", {"name": "hits", "limits": limits, "alerts": {"thresholds": [0.5, 1.0]}})

    for _ in range(2):
        answer = cached_call(gateway, key["key"])
        assert answer.status_code == 200 and answer.headers["x-strata-cache"] == "hit"
    half = verified(receiver.wait_for(1)[0])
    assert (half["threshold"], half["spend_usd"]) == (0.5, pytest.approx(2 * per_call))

    for _ in range(2):
        assert cached_call(gateway, key["key"]).headers["x-strata-cache"] == "hit"
    whole = verified(receiver.wait_for(2)[1])
    assert (whole["threshold"], whole["spend_usd"]) == (1.0, pytest.approx(4 * per_call))
    assert_openai_error(cached_call(gateway, key["key"]), 429)  # the budget took the hits too
    assert len(receiver.settled()) == 2
    listed = admin(gateway, "GET", f"/alerts?scope_id={key['id']}").json()["rows"]
    assert [(a["threshold"], a["status"]) for a in listed] == [(1.0, "delivered"), (0.5, "delivered")]


def test_cache_hits_the_budget_does_not_charge_send_no_alert(
    upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:
    gateway = start_gateway(cached_catalog(upstream.url, "requests"), alert_webhook_url=receiver.url, **FAST)
    per_call = cached_answer_cost(gateway)
    limits = {"budget_usd_day": 4 * per_call}
    key = created(gateway, "/keys", {"name": "free-hits", "limits": limits, "alerts": {"thresholds": [0.5]}})
    for _ in range(5):  # past the budget, were hits charged: with quota: requests they are not
        answer = cached_call(gateway, key["key"])
        assert answer.status_code == 200 and answer.headers["x-strata-cache"] == "hit"
    assert receiver.settled() == []
