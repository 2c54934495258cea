"""Budget alerts through a real gateway: calls spend money (the fake upstream, priced in the
catalog), the alert monitor sees the spend in the ledger and POSTs signed webhooks to a real HTTP
receiver started by the test, which verifies each signature with hmac as a user's would.

The monitor checks every 0.1 s here (STRATA_ALERT_INTERVAL_S; 10 s by default), so every wait is a
second or two; each wait is bounded.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import NO_RETRIES, USER, StartGateway, assert_openai_error, openai_deployment
from tests.support.gateway import RunningGateway
from tests.support.webhooks import SECRET, Receiver, verified

PRICE = {"input_cost_per_token": 0.0, "output_cost_per_token": 0.002}  # USD per token: only the 5 reply tokens cost
MODEL = "priced"
FAST = {
    "alert_interval_s": 0.1,
    "alert_webhook_secret": SECRET,
    "alert_webhook_backoff_s": 0.05,
    "usage_flush_interval_s": 0.1,
}


def alert_catalog(api_base: str) -> str:
    """One priced model; each call reserves exactly what it costs (the fake writes 5 tokens)."""
    deployment = openai_deployment(api_base, "priced-up", pricing=PRICE)
    model = {"deployments": [deployment], "routing": NO_RETRIES, "estimated_output_tokens": 5}
    return yaml.safe_dump({"models": {MODEL: model}})


def admin(gateway: RunningGateway, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{gateway.base_url}/admin{path}", headers=gateway.headers(), timeout=10, **kwargs)


def created(gateway: RunningGateway, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = admin(gateway, "POST", path, json=body)
    assert response.status_code == 201, response.text
    payload: dict[str, Any] = response.json()
    return payload


def call(gateway: RunningGateway, key: str) -> httpx.Response:
    body = {"model": MODEL, "messages": USER}
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers(key), timeout=10)


def spend(gateway: RunningGateway, key: str, calls: int) -> float:
    """Make ``calls`` successful calls; what one cost (from the answer's usage and the price)."""
    cost = 0.0
    for _ in range(calls):
        response = call(gateway, key)
        assert response.status_code == 200, response.text
        usage = response.json()["usage"]
        cost = usage["prompt_tokens"] * PRICE["input_cost_per_token"]
        cost += usage["completion_tokens"] * PRICE["output_cost_per_token"]
    return cost


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver) -> RunningGateway:
    return start_gateway(alert_catalog(upstream.url), alert_webhook_url=receiver.url, **FAST)


def one_call_cost(gateway: RunningGateway) -> float:
    probe = created(gateway, "/keys", {"name": "probe"})
    return spend(gateway, probe["key"], 1)


def test_each_threshold_sends_one_signed_webhook_and_never_a_duplicate(
    gateway: RunningGateway, receiver: Receiver
) -> None:
    per_call = one_call_cost(gateway)
    rules = {"thresholds": [0.5, 1.0]}
    key = created(gateway, "/keys", {"name": "billing", "limits": {"budget_usd_day": 4 * per_call}, "alerts": rules})
    assert key["alerts"] == {**rules, "webhook_url": None, "spend_rate": None}  # shown as limits are: every field

    spend(gateway, key["key"], 2)  # half the budget
    first = verified(receiver.wait_for(1)[0])
    assert first["type"] == "budget.threshold_crossed"
    assert first["scope"] == {"kind": "key", "id": key["id"], "name": "billing"}
    assert first["threshold"] == 0.5 and first["period"].startswith("day:")
    assert first["budget_usd"] == pytest.approx(4 * per_call) and first["spend_usd"] == pytest.approx(2 * per_call)

    spend(gateway, key["key"], 2)  # the whole budget
    second = verified(receiver.wait_for(2)[1])
    assert (second["threshold"], second["spend_usd"]) == (1.0, pytest.approx(4 * per_call))
    assert_openai_error(call(gateway, key["key"]), 429)  # the budget itself is enforced by quotas
    assert len(receiver.settled()) == 2

    listed = admin(gateway, "GET", f"/alerts?scope_id={key['id']}").json()["rows"]
    assert [(a["threshold"], a["status"], a["attempts"]) for a in listed] == [
        (1.0, "delivered", 1),
        (0.5, "delivered", 1),
    ]
    assert {a["id"] for a in listed} == {first["alert_id"], second["alert_id"]}
    assert all(a["created_at"].endswith("Z") and a["delivered_at"].endswith("Z") for a in listed)


def test_a_receiver_that_fails_twice_gets_the_alert_on_the_third_attempt(
    gateway: RunningGateway, receiver: Receiver
) -> None:
    per_call = one_call_cost(gateway)
    receiver.statuses[:] = [500, 503]
    key = created(
        gateway, "/keys", {"name": "flaky", "limits": {"budget_usd_day": 2 * per_call}, "alerts": {"thresholds": [0.5]}}
    )
    spend(gateway, key["key"], 1)
    attempts = receiver.wait_for(3)
    assert len({d.headers["x-strata-alert-id"] for d in attempts}) == 1
    assert all(verified(d)["threshold"] == 0.5 for d in attempts)
    assert len(receiver.settled()) == 3
    [alert] = admin(gateway, "GET", f"/alerts?scope_id={key['id']}").json()["rows"]
    assert (alert["status"], alert["attempts"], alert["last_error"]) == ("delivered", 3, None)
    assert alert["delivered_at"] is not None


def test_a_receiver_down_for_longer_than_a_round_still_gets_the_alert_later(
    upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:
    gateway = start_gateway(
        alert_catalog(upstream.url),
        alert_webhook_url=receiver.url,
        **{**FAST, "alert_webhook_attempts": 2, "alert_redelivery_s": 0.5},
    )
    per_call = one_call_cost(gateway)
    receiver.statuses[:] = [500, 500, 500]
    key = created(
        gateway, "/keys", {"name": "down", "limits": {"budget_usd_day": 2 * per_call}, "alerts": {"thresholds": [0.5]}}
    )
    spend(gateway, key["key"], 1)
    receiver.wait_for(2)
    [pending] = admin(gateway, "GET", f"/alerts?scope_id={key['id']}&status=pending").json()["rows"]
    assert pending["last_error"] == "HTTP 500"
    assert len(receiver.wait_for(4)) == 4  # the next round: one more failure, then it gets through
    [alert] = admin(gateway, "GET", f"/alerts?scope_id={key['id']}").json()["rows"]
    assert (alert["status"], alert["attempts"]) == ("delivered", 4)


def test_a_receiver_that_refuses_is_not_retried_until_an_admin_redelivers(
    gateway: RunningGateway, receiver: Receiver
) -> None:
    per_call = one_call_cost(gateway)
    receiver.statuses[:] = [401]
    key = created(
        gateway,
        "/keys",
        {"name": "refused", "limits": {"budget_usd_day": 2 * per_call}, "alerts": {"thresholds": [0.5]}},
    )
    spend(gateway, key["key"], 1)
    receiver.wait_for(1)
    assert len(receiver.settled()) == 1
    [alert] = admin(gateway, "GET", f"/alerts?scope_id={key['id']}&status=failed").json()["rows"]
    assert alert["last_error"] == "refused by the receiver: HTTP 401"
    again = admin(gateway, "POST", f"/alerts/{alert['id']}/redeliver")
    assert again.status_code == 200 and again.json()["status"] == "pending"
    assert verified(receiver.wait_for(2)[1])["alert_id"] == alert["id"]
    audit = admin(gateway, "GET", f"/audit?target_type=alert&target_id={alert['id']}").json()["rows"]
    assert [entry["action"] for entry in audit] == ["redeliver"]


def test_team_alerts_count_every_key_of_the_team_and_use_the_teams_own_webhook(
    upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:
    gateway = start_gateway(alert_catalog(upstream.url), **FAST)  # no gateway-wide URL: the team's own
    per_call = one_call_cost(gateway)
    team = created(
        gateway,
        "/teams",
        {
            "name": "research",
            "limits": {"budget_usd_month": 4 * per_call},
            "alerts": {"thresholds": [0.5], "webhook_url": receiver.url},
        },
    )
    for name in ("alice", "bob"):
        spend(gateway, created(gateway, "/keys", {"name": name, "team_id": team["id"]})["key"], 1)
    payload = verified(receiver.wait_for(1)[0])
    assert payload["scope"] == {"kind": "team", "id": team["id"], "name": "research"}
    assert payload["period"].startswith("month:") and payload["spend_usd"] == pytest.approx(2 * per_call)
    assert len(receiver.settled()) == 1
    rows = admin(gateway, "GET", "/alerts?scope_kind=team").json()["rows"]
    assert [(r["scope"]["id"], r["webhook_url"]) for r in rows] == [(team["id"], receiver.url)]


def test_a_burst_of_spend_over_the_keys_usual_rate_sends_a_spend_rate_alert(
    gateway: RunningGateway, receiver: Receiver
) -> None:
    per_call = one_call_cost(gateway)
    rate = {"multiplier": 3.0, "window_minutes": 60, "min_usd": 1.5 * per_call}  # no history: the minimum decides
    key = created(gateway, "/keys", {"name": "bursty", "alerts": {"spend_rate": rate}})
    spend(gateway, key["key"], 1)
    assert receiver.settled(0.6) == []
    spend(gateway, key["key"], 1)
    payload = verified(receiver.wait_for(1)[0])
    assert payload["type"] == "budget.spend_rate_exceeded" and payload["period"].startswith("window:60m:")
    assert payload["spend_usd"] == pytest.approx(2 * per_call) and payload["window_minutes"] == 60
    assert payload["budget_usd"] == pytest.approx(1.5 * per_call) and payload["baseline_usd"] == 0
    spend(gateway, key["key"], 1)
    assert len(receiver.settled()) == 1  # once per window


def test_alert_rules_show_on_the_key_and_null_removes_them(gateway: RunningGateway, receiver: Receiver) -> None:
    rate: dict[str, Any] = {"usd_per_hour": 5.0, "window_minutes": 30, "min_usd": 1.0}
    rules: dict[str, Any] = {"thresholds": [0.8], "spend_rate": rate}
    key = created(gateway, "/keys", {"name": "k", "alerts": rules})
    shown = admin(gateway, "GET", f"/keys/{key['id']}").json()["alerts"]
    assert shown == {**rules, "webhook_url": None, "spend_rate": {**rate, "multiplier": None}}
    cleared = admin(gateway, "PATCH", f"/keys/{key['id']}", json={"alerts": None})
    assert cleared.status_code == 200 and cleared.json()["alerts"] is None
    changes = admin(gateway, "GET", f"/audit?target_id={key['id']}&action=update").json()["rows"][0]["details"]
    assert changes == {"alerts": None}


@pytest.mark.parametrize(
    ("alerts", "param"),
    [
        ({"thresholds": [0]}, "alerts.thresholds"),
        ({"thresholds": [11]}, "alerts.thresholds"),
        ({"thresholds": [0.05 * i for i in range(1, 12)]}, "alerts.thresholds"),
        ({"thresholds": [0.5], "webhook_url": "ftp://hooks.example/x"}, "alerts.webhook_url"),
        ({"spend_rate": {"window_minutes": 60}}, "alerts.spend_rate"),
        ({"thresholds": [0.5], "webhook_secret": "x"}, "alerts.webhook_secret"),
    ],
)
def test_alert_rules_that_cannot_be_kept_are_a_400_naming_the_field(
    gateway: RunningGateway, alerts: dict[str, Any], param: str
) -> None:
    for path in ("/keys", "/teams"):
        error = assert_openai_error(admin(gateway, "POST", path, json={"name": f"bad{param}", "alerts": alerts}), 400)
        assert error["param"] == param, error


def test_listing_alerts_needs_an_admin_key(gateway: RunningGateway) -> None:
    key = created(gateway, "/keys", {"name": "plain"})
    response = httpx.get(f"{gateway.base_url}/admin/alerts", headers=gateway.headers(key["key"]), timeout=10)
    assert_openai_error(response, 403)
    assert_openai_error(admin(gateway, "POST", "/alerts/nope/redeliver"), 404)


def test_without_a_signing_secret_nothing_is_sent_and_the_alert_says_why(
    upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:
    unsigned = {name: value for name, value in FAST.items() if name != "alert_webhook_secret"}
    gateway = start_gateway(alert_catalog(upstream.url), alert_webhook_url=receiver.url, **unsigned)
    per_call = one_call_cost(gateway)
    limits = {"budget_usd_day": 2 * per_call}
    key = created(gateway, "/keys", {"name": "unsigned", "limits": limits, "alerts": {"thresholds": [0.5]}})
    spend(gateway, key["key"], 1)
    deadline = time.monotonic() + 15
    while not (rows := admin(gateway, "GET", f"/alerts?scope_id={key['id']}&status=failed").json()["rows"]):
        assert time.monotonic() < deadline, "no failed alert recorded"
        time.sleep(0.1)
    assert rows[0]["last_error"] == "no signing secret (STRATA_ALERT_WEBHOOK_SECRET)"
    assert rows[0]["attempts"] == 0 and receiver.settled(0.5) == []
