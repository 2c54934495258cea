"""Strata's client and the `strata` CLI with budget alerts and the response cache, against a real
gateway: alert rules set through them are enforced by the monitor (a webhook reaches a real
receiver), alerts are listed and redelivered, the cache is cleared (the next call reaches the
model again), and usage totals and records carry cache hits and the money they saved."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from gateway.client import AlertRules, NotFoundError, Strata
from gateway.client.alert_types import Alert, parse_thresholds
from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import upstream_calls
from tests.integration.surface_helpers import paid_call, surface_gateway, wait_for
from tests.integration.test_cli_admin import failed, ok, rows, strata, unique
from tests.support.gateway import RunningGateway
from tests.support.webhooks import Receiver, verified


@pytest.fixture(scope="module")
def running(
    upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningGateway, Receiver]]:
    with surface_gateway(upstream_server, tmp_path_factory.mktemp("alerts-cache")) as pair:
        yield pair


@pytest.fixture()
def client(running: tuple[RunningGateway, Receiver]) -> Iterator[Strata]:
    gateway, _ = running
    with Strata(gateway.base_url, gateway.master_key, max_retries=0) as strata_client:
        yield strata_client


def _cost(client: Strata, gateway: RunningGateway) -> float:
    probe = client.admin.keys.create(unique("probe"))
    return paid_call(gateway, probe.key)


def _delivered(client: Strata, scope_id: str, count: int = 1) -> list[Alert]:
    def probe() -> list[Alert] | None:
        found = client.admin.alerts.list(scope_id=scope_id)
        return found if len(found) >= count and all(a.status == "delivered" for a in found) else None

    return wait_for(probe, f"{count} delivered alert(s) for {scope_id}")


def test_thresholds_read_as_people_write_them() -> None:
    assert parse_thresholds("50%, 80% 1") == [0.5, 0.8, 1.0]
    with pytest.raises(ValueError, match="'lots'"):
        parse_thresholds("50%, lots")


def test_sdk_alert_rules_are_typed_alerts_are_listed_and_redelivered(
    running: tuple[RunningGateway, Receiver], client: Strata
) -> None:
    gateway, receiver = running
    per_call = _cost(client, gateway)
    rules = AlertRules(thresholds=[0.5], webhook_url=receiver.url)
    key = client.admin.keys.create(unique("sdk-alerts"), limits={"budget_usd_day": 2 * per_call}, alerts=rules)
    assert isinstance(key.alerts, AlertRules) and key.alerts.thresholds == [0.5]
    assert client.admin.keys.get(key.id).alerts == AlertRules(thresholds=[0.5], webhook_url=receiver.url)

    paid_call(gateway, key.key)  # half the budget
    [alert] = _delivered(client, key.id)
    assert (alert.scope.kind, alert.scope.id, alert.kind, alert.threshold) == ("key", key.id, "threshold", 0.5)
    assert alert.attempts == 1 and alert.spend_usd == pytest.approx(per_call)
    sent = [verified(d) for d in receiver.of(key.id)]
    assert [p["alert_id"] for p in sent] == [alert.id]

    again = client.admin.alerts.redeliver(alert.id)
    assert again.id == alert.id and again.status == "pending"
    wait_for(lambda: len(receiver.of(key.id)) == 2, "the redelivered webhook")
    assert verified(receiver.of(key.id)[1])["alert_id"] == alert.id
    with pytest.raises(NotFoundError):
        client.admin.alerts.redeliver("no-such-alert")

    team = client.admin.teams.create(unique("sdk-team"), alerts={"thresholds": [0.9, 1.0]})
    assert team.alerts is not None and team.alerts.thresholds == [0.9, 1.0]
    assert client.admin.teams.update(team.id, alerts=None).alerts is None  # null removes the rules


def test_sdk_usage_carries_cache_hits_and_savings_and_clearing_the_cache_reaches_the_model_again(
    running: tuple[RunningGateway, Receiver], client: Strata, upstream_server: FakeUpstream
) -> None:
    gateway, _ = running
    key = client.admin.keys.create(unique("sdk-cache"))
    cost = paid_call(gateway, key.key, "cached")
    before = upstream_calls(upstream_server)
    paid_call(gateway, key.key, "cached")
    assert upstream_calls(upstream_server) == before  # answered from the cache

    totals = wait_for(
        lambda: next((r for r in client.admin.usage.totals(key_id=key.id).rows if r.requests == 2), None),
        "both calls in the usage totals",
    )
    assert totals.cache_hits == 1 and totals.saved_usd == pytest.approx(cost)
    [by_model] = client.admin.usage.totals("model", key_id=key.id).rows
    assert (by_model.group, by_model.cache_hits) == ("cached", 1)
    records = list(client.admin.usage.records(key_id=key.id))
    assert [r.cache for r in records] == ["hit", None]  # newest first
    assert records[0].saved_usd == pytest.approx(cost)

    cleared = client.admin.cache.clear(model="cached")
    assert cleared.deleted >= 1
    paid_call(gateway, key.key, "cached")
    assert upstream_calls(upstream_server) == before + 1  # the cleared answer was asked for again
    with pytest.raises(NotFoundError):
        client.admin.cache.clear(model="no-such-model")


def test_cli_sets_alert_rules_lists_and_redelivers_alerts_and_clears_the_cache(
    running: tuple[RunningGateway, Receiver], client: Strata
) -> None:
    gateway, receiver = running
    per_call = _cost(client, gateway)
    args = ["--budget-day", str(2 * per_call), "--alert-threshold", "50%", "--alert-webhook", receiver.url]
    key = json.loads(ok(strata("keys", "create", unique("cli-alerts"), *args, "--json", gateway=gateway)))
    assert key["alerts"]["thresholds"] == [0.5] and key["alerts"]["webhook_url"] == receiver.url

    paid_call(gateway, key["key"])
    [alert] = _delivered(client, key["id"])
    listed = json.loads(ok(strata("alerts", "list", "--scope", key["id"], "--json", gateway=gateway)))
    assert [(a["id"], a["status"], a["threshold"]) for a in listed] == [(alert.id, "delivered", 0.5)]
    table = rows(ok(strata("alerts", "list", "--scope", key["id"], "--status", "delivered", gateway=gateway)))
    assert table[0][:4] == ["ID", "CREATED", "SCOPE", "KIND"] and table[1][0] == alert.id

    shown = ok(strata("alerts", "redeliver", alert.id, gateway=gateway))
    assert "pending" in shown
    wait_for(lambda: len(receiver.of(key["id"])) == 2, "the webhook sent again")
    assert "No alert" in failed(strata("alerts", "redeliver", "nope", gateway=gateway))

    team = json.loads(
        ok(strata("teams", "create", unique("cli-team"), "--alert-threshold", "0.8,1", "--json", gateway=gateway))
    )
    assert team["alerts"]["thresholds"] == [0.8, 1.0]
    assert "--alert-threshold" in failed(strata("keys", "create", "x", "--alert-threshold", "lots", gateway=gateway), 2)

    paid_call(gateway, client.admin.keys.create(unique("cli-cache")).key, "cached")  # one answer to clear
    assert ok(strata("cache", "clear", "--model", "cached", gateway=gateway)).startswith("cleared ")
    assert json.loads(ok(strata("cache", "clear", "--json", gateway=gateway))) == {"deleted": 0, "semantic_deleted": 0}
    assert "No model" in failed(strata("cache", "clear", "--model", "nope", gateway=gateway))
