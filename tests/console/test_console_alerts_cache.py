"""Budget alerts and the response cache in the browser: a key's alert rules saved from its form
(a bad webhook URL refused on the form, the values kept), the alerts page listing an alert the
monitor sent and sending it again, the usage page counting cache hits and the money they saved,
and the models page clearing a model's cache (the next call reaches the model again)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.console.conftest import WIDTHS, admin_call, screenshots, sign_in
from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import upstream_calls
from tests.integration.surface_helpers import paid_call, surface_gateway, wait_for
from tests.support.gateway import RunningGateway
from tests.support.webhooks import Receiver


@pytest.fixture(scope="module")
def running(
    upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningGateway, Receiver]]:
    with surface_gateway(upstream_server, tmp_path_factory.mktemp("console-alerts")) as pair:
        yield pair


def _key(gateway: RunningGateway, body: dict[str, object]) -> dict[str, str]:
    response = admin_call(gateway, "POST", "/admin/keys", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, str] = response.json()
    return created


@pytest.fixture()
def refusing_page(browser: Browser) -> Iterator[tuple[Page, list[int]]]:
    """A page whose answers' error statuses are collected (the form's refusal is a 400) rather than
    failing the test; script errors still do."""
    context = browser.new_context(viewport={"width": WIDTHS["wide"], "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    statuses: list[int] = []
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("response", lambda r: statuses.append(r.status) if r.status >= 400 else None)
    yield opened, statuses
    context.close()
    assert not problems, f"the page reported errors: {problems}"


def test_the_key_form_saves_alert_rules_and_refuses_a_bad_webhook_url(
    refusing_page: tuple[Page, list[int]], running: tuple[RunningGateway, Receiver]
) -> None:
    page, statuses = refusing_page
    gateway, _ = running
    sign_in(page, gateway, then="/console/keys")
    page.get_by_text("Create a key").click()
    page.locator("#new-name").fill("alerting")
    page.locator("#new-budget_usd_day").fill("5")
    page.locator("#new-alert_thresholds").fill("50%, 0.8")
    page.locator("#new-alert_webhook").fill("ftp://hooks.example.com/x")
    page.get_by_role("button", name="Create key").click()
    error = page.get_by_role("alert")
    error.wait_for()
    assert "Alert webhook URL: must be an http:// or https:// address" in error.inner_text()
    assert page.locator("#new-alert_thresholds").input_value() == "50%, 0.8"  # what was typed is kept
    screenshots(page, "key-alert-error")
    assert statuses == [400]

    page.locator("#new-alert_webhook").fill("https://hooks.example.com/strata")
    page.get_by_role("button", name="Create key").click()
    page.locator("#new-secret").wait_for()
    [key] = [k for k in admin_call(gateway, "GET", "/admin/keys").json() if k["name"] == "alerting"]
    assert key["alerts"]["thresholds"] == [0.5, 0.8]
    assert key["alerts"]["webhook_url"] == "https://hooks.example.com/strata"

    page.goto(f"{gateway.base_url}/console/keys/{key['id']}")
    assert page.locator("#edit-alert_thresholds").input_value() == "50%, 80%"
    page.locator("#edit-alert_rate_multiplier").fill("3")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("The key was saved").wait_for()
    rate = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()["alerts"]["spend_rate"]
    assert (rate["multiplier"], rate["window_minutes"]) == (3.0, 60)
    assert statuses == [400]


def test_the_alerts_page_lists_a_sent_alert_and_redelivers_it(
    page: Page, running: tuple[RunningGateway, Receiver]
) -> None:
    gateway, receiver = running
    probe = _key(gateway, {"name": "probe"})
    per_call = paid_call(gateway, probe["key"])
    key = _key(
        gateway, {"name": "budgeted", "limits": {"budget_usd_day": 2 * per_call}, "alerts": {"thresholds": [0.5]}}
    )
    paid_call(gateway, key["key"])
    wait_for(lambda: len(receiver.of(key["id"])) == 1, "the alert's webhook")

    sign_in(page, gateway, then="/console/alerts")
    row = page.locator("#alerts tr:has(a:text('budgeted'))")
    wait_for(lambda: "delivered" in row.inner_text(), "the alert shown as delivered", timeout=5)
    cells = row.locator("td").all_inner_texts()
    assert cells[1].startswith("key") and cells[2] == "threshold" and cells[3] == "50.0%"
    assert cells[4].startswith("day:") and cells[7] == "1"
    screenshots(page, "alerts")

    row.get_by_role("button", name="Redeliver").click()
    page.get_by_text("will be sent again").wait_for()
    wait_for(lambda: len(receiver.of(key["id"])) == 2, "the webhook sent again")
    page.reload()
    wait_for(lambda: page.locator("#alerts tr:has(a:text('budgeted')) td").nth(7).inner_text() == "2", "2 attempts")
    audit = admin_call(gateway, "GET", "/admin/audit?action=redeliver").json()["rows"]
    assert audit[0]["via"] == "console" and audit[0]["target_type"] == "alert"


def test_usage_shows_cache_hits_and_savings_and_the_models_page_clears_the_cache(
    page: Page, running: tuple[RunningGateway, Receiver], upstream_server: FakeUpstream
) -> None:
    gateway, _ = running
    key = _key(gateway, {"name": "cache-user"})
    cost = paid_call(gateway, key["key"], "cached")
    before = upstream_calls(upstream_server)
    paid_call(gateway, key["key"], "cached")
    assert upstream_calls(upstream_server) == before

    def recorded() -> bool:
        rows = admin_call(gateway, "GET", f"/admin/usage/records?key_id={key['id']}").json()["rows"]
        return len(rows) == 2

    wait_for(recorded, "both calls recorded")
    sign_in(page, gateway, then=f"/console/usage?key={key['id']}")
    assert page.locator("[data-total=cache-hits]").inner_text() == "1"
    assert page.locator("[data-total=saved]").inner_text() == f"${cost:,.4f}"
    assert page.locator("#usage-records [data-cell=cache]").all_inner_texts()[0].startswith("hit")
    screenshots(page, "usage-cache")

    page.goto(f"{gateway.base_url}/console/models")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Clear the cache of cached").click()
    notice = page.get_by_role("status")
    notice.wait_for()
    assert re.search(r"cached answers of cached were cleared \(\d+ dropped\)", notice.inner_text())
    paid_call(gateway, key["key"], "cached")
    assert upstream_calls(upstream_server) == before + 1
    audit = admin_call(gateway, "GET", "/admin/audit?action=clear").json()["rows"]
    assert audit[0]["via"] == "console" and audit[0]["target_id"] == "cached"
