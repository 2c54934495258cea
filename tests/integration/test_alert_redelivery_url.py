"""A redelivered alert goes where its rule points now: the usual reason to redeliver is a receiver
that refused it (a wrong URL), and the usual fix is the key's ``alerts.webhook_url``. When the rule
is gone, the URL recorded with the alert is kept, and the answer says which it used. The alert
lists the URL it was sent to. An unknown alert id is cut short in the 404."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, assert_openai_error
from tests.integration.test_budget_alerts import FAST, admin, alert_catalog, created, one_call_cost, spend
from tests.support.gateway import RunningGateway
from tests.support.webhooks import Receiver, running_receiver, verified


@pytest.fixture()
def wrong() -> Iterator[Receiver]:
    """A receiver at the wrong URL: it refuses the first delivery (404), as a mistyped path would."""
    with running_receiver() as running:
        running.statuses[:] = [404]
        yield running


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway, receiver: Receiver) -> RunningGateway:
    return start_gateway(alert_catalog(upstream.url), alert_webhook_url=receiver.url, **FAST)


def refused_alert(gateway: RunningGateway, wrong: Receiver) -> tuple[dict[str, Any], dict[str, Any]]:
    """A key whose rule points at the wrong receiver, and its alert, refused there."""
    per_call = one_call_cost(gateway)
    rules = {"thresholds": [0.5], "webhook_url": wrong.url}
    key = created(
        gateway, "/keys", {"name": "misdirected", "limits": {"budget_usd_day": 2 * per_call}, "alerts": rules}
    )
    spend(gateway, key["key"], 1)
    wrong.wait_for(1)
    deadline = time.monotonic() + 15
    while not (rows := admin(gateway, "GET", f"/alerts?scope_id={key['id']}&status=failed").json()["rows"]):
        assert time.monotonic() < deadline, "the refused alert was not recorded as failed"
        time.sleep(0.05)
    assert rows[0]["webhook_url"] == wrong.url and rows[0]["last_error"] == "refused by the receiver: HTTP 404"
    return key, rows[0]


@pytest.mark.parametrize("fix", ["the rule's own URL", "the gateway's default URL"])
def test_a_redelivery_after_the_rule_s_url_is_fixed_goes_to_the_fixed_url(
    gateway: RunningGateway, receiver: Receiver, wrong: Receiver, fix: str
) -> None:
    key, alert = refused_alert(gateway, wrong)
    fixed: dict[str, Any] = {"thresholds": [0.5]}
    if fix == "the rule's own URL":
        fixed["webhook_url"] = receiver.url
    assert admin(gateway, "PATCH", f"/keys/{key['id']}", json={"alerts": fixed}).status_code == 200

    again = admin(gateway, "POST", f"/alerts/{alert['id']}/redeliver")
    assert again.status_code == 200, again.text
    assert verified(receiver.wait_for(1)[0])["alert_id"] == alert["id"]
    source = "rule" if fix == "the rule's own URL" else "default"
    assert (again.json()["webhook_url"], again.json()["webhook_url_source"]) == (receiver.url, source)
    assert len(wrong.settled(0.5)) == 1  # the wrong receiver never saw it again
    [listed] = admin(gateway, "GET", f"/alerts?scope_id={key['id']}").json()["rows"]
    assert (listed["status"], listed["webhook_url"], listed["attempts"]) == ("delivered", receiver.url, 2)


def test_a_redelivery_after_the_rule_is_removed_keeps_the_recorded_url_and_says_so(
    gateway: RunningGateway, receiver: Receiver, wrong: Receiver
) -> None:
    key, alert = refused_alert(gateway, wrong)
    assert admin(gateway, "PATCH", f"/keys/{key['id']}", json={"alerts": None}).status_code == 200
    again = admin(gateway, "POST", f"/alerts/{alert['id']}/redeliver")
    assert (again.json()["webhook_url"], again.json()["webhook_url_source"]) == (wrong.url, "recorded")
    assert verified(wrong.wait_for(2)[1])["alert_id"] == alert["id"]  # the wrong receiver accepts it now
    assert receiver.settled(0.3) == []


def test_a_long_unknown_alert_id_is_cut_short_in_the_404(gateway: RunningGateway) -> None:
    error = assert_openai_error(admin(gateway, "POST", f"/alerts/{'a' * 5000}/redeliver"), 404)
    assert len(error["message"]) < 200 and error["message"].startswith("No alert 'aaaa")
