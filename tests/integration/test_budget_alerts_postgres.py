"""Two gateways sharing one PostgreSQL database, each with its own alert monitor checking every
0.05 s: a crossing both of them see is recorded once and its webhook sent once (the table's unique
constraint and the delivery claim decide), and either gateway lists it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway
from tests.integration.test_budget_alerts import FAST, admin, alert_catalog, created, one_call_cost, spend
from tests.support import postgres
from tests.support.webhooks import Receiver, verified


@pytest.fixture()
def database_url() -> Iterator[str]:
    with postgres.migrated_database("strata_alerts") as url:
        yield url


def test_two_gateways_on_one_database_send_each_alert_once(
    database_url: str, upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver
) -> None:  # database_url first: dropped after the gateways stop
    shared = {
        **FAST,
        "alert_interval_s": 0.05,
        "database_url": database_url,
        "secret_key": "alerts-secret-shared-by-both-gateways",
        "alert_webhook_url": receiver.url,
    }
    first, second = (start_gateway(alert_catalog(upstream.url), **shared) for _ in range(2))
    per_call = one_call_cost(first)
    thresholds = {"thresholds": [0.25, 0.5, 0.75]}
    key = created(first, "/keys", {"name": "shared", "limits": {"budget_usd_day": 4 * per_call}, "alerts": thresholds})
    team = created(second, "/teams", {"name": "both", "limits": {"budget_usd_day": 4 * per_call}, "alerts": thresholds})
    member = created(second, "/keys", {"name": "member", "team_id": team["id"]})
    spend(first, key["key"], 1)
    spend(second, key["key"], 1)
    spend(first, member["key"], 1)
    spend(second, member["key"], 2)
    receiver.wait_for(5)
    deliveries = receiver.settled(1.5)
    seen = sorted((d.json["scope"]["kind"], d.json["threshold"]) for d in deliveries)
    assert seen == [("key", 0.25), ("key", 0.5), ("team", 0.25), ("team", 0.5), ("team", 0.75)]
    assert all(verified(d) for d in deliveries)
    for gateway in (first, second):
        rows = admin(gateway, "GET", "/alerts?status=delivered").json()["rows"]
        assert sorted(r["id"] for r in rows) == sorted(d.json["alert_id"] for d in deliveries)
        assert all(r["attempts"] == 1 for r in rows)
