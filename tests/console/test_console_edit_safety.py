"""Saving a key or a team in the console, in a real browser, keeps what the form does not type in
and never silently undoes someone else's change: alert rules set through the admin API (a
spend-rate rule's ``usd_per_hour`` and ``min_usd``) are shown in the form and kept by a save, and a
page opened before another admin changed the object refuses to save over that change, showing the
object as it is now."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.console.conftest import admin_call, sign_in
from tests.support.gateway import RunningGateway

RATES = {
    "absolute-only": {"usd_per_hour": 5, "min_usd": 2.5, "window_minutes": 30},
    "both-rules": {"multiplier": 3, "usd_per_hour": 5, "min_usd": 2.5, "window_minutes": 30},
}


def _rule(rate: dict[str, Any]) -> dict[str, Any]:
    return {"thresholds": [0.8], "spend_rate": rate}


def _notices(page: Page) -> list[str]:
    return page.locator("[role=status], [role=alert]").all_inner_texts()


@pytest.mark.parametrize("case", list(RATES))
def test_a_key_renamed_in_the_console_keeps_its_spend_rate_rule_set_through_the_api(
    gateway: RunningGateway, page: Page, case: str
) -> None:
    rate = RATES[case]
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": f"rate-{case}", "alerts": _rule(rate)}).json()
    sign_in(page, gateway, then=f"/console/keys/{key['id']}")
    assert page.input_value("#edit-alert_rate_usd_per_hour") == "5"
    assert page.input_value("#edit-alert_rate_min_usd") == "2.5"
    page.fill("#edit-name", f"rate-{case}-renamed")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/keys/{key['id']}?done=updated")
    assert any("The key was saved" in text for text in _notices(page)), _notices(page)
    stored = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()
    assert stored["name"] == f"rate-{case}-renamed"
    assert stored["alerts"]["spend_rate"] == {"multiplier": None, **rate}


def test_a_team_renamed_in_the_console_keeps_its_spend_rate_rule_set_through_the_api(
    gateway: RunningGateway, page: Page
) -> None:
    rate = RATES["both-rules"]
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "rate-team", "alerts": _rule(rate)}).json()
    sign_in(page, gateway, then=f"/console/teams/{team['id']}")
    assert page.input_value("#edit-alert_rate_usd_per_hour") == "5"
    page.fill("#edit-name", "rate-team-renamed")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/teams/{team['id']}?done=updated")
    stored = admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()
    assert stored["name"] == "rate-team-renamed" and stored["alerts"]["spend_rate"] == rate


def test_an_absolute_spend_rate_rule_can_be_typed_into_a_key_form(gateway: RunningGateway, page: Page) -> None:
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "typed-rate"}).json()
    sign_in(page, gateway, then=f"/console/keys/{key['id']}")
    page.fill("#edit-alert_rate_usd_per_hour", "12.5")
    page.fill("#edit-alert_rate_min_usd", "0.5")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/keys/{key['id']}?done=updated")
    rate = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()["alerts"]["spend_rate"]
    assert rate["usd_per_hour"] == 12.5 and rate["min_usd"] == 0.5 and rate["multiplier"] is None
    assert page.input_value("#edit-alert_rate_usd_per_hour") == "12.5"


def test_a_key_page_opened_before_another_change_refuses_to_undo_it(gateway: RunningGateway, tab: Page) -> None:
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "stale", "limits": {"rpm": 100}}).json()
    sign_in(tab, gateway, then=f"/console/keys/{key['id']}")
    changed = {"limits": {"rpm": 5, "budget_usd_day": 2}, "allowed_models": ["echo"]}
    assert admin_call(gateway, "PATCH", f"/admin/keys/{key['id']}", json=changed).status_code == 200
    tab.fill("#edit-name", "stale-renamed")
    tab.get_by_role("button", name="Save changes").click()
    alert = tab.get_by_role("alert")
    assert "changed by someone else since you opened it" in alert.inner_text()
    stored = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()
    assert stored["name"] == "stale" and stored["limits"]["rpm"] == 5 and stored["allowed_models"] == ["echo"]
    # the form now shows the key as it is; saving it again is the user's informed choice
    assert tab.input_value("#edit-rpm") == "5" and tab.input_value("#edit-name") == "stale"
    assert tab.is_checked("input[name=allowed_models][value=echo]")
    tab.fill("#edit-name", "stale-renamed")
    tab.get_by_role("button", name="Save changes").click()
    tab.wait_for_url(f"**/keys/{key['id']}?done=updated")
    stored = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()
    assert stored["name"] == "stale-renamed" and stored["limits"]["rpm"] == 5 and stored["allowed_models"] == ["echo"]


def test_a_team_page_opened_before_another_change_refuses_to_undo_it(gateway: RunningGateway, tab: Page) -> None:
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "stale-team", "limits": {"rpm": 100}}).json()
    sign_in(tab, gateway, then=f"/console/teams/{team['id']}")
    patched = admin_call(gateway, "PATCH", f"/admin/teams/{team['id']}", json={"limits": {"rpm": 7}, "tags": ["x"]})
    assert patched.status_code == 200
    tab.fill("#edit-name", "stale-team-renamed")
    tab.get_by_role("button", name="Save changes").click()
    assert "changed by someone else since you opened it" in tab.get_by_role("alert").inner_text()
    stored = admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()
    assert stored["name"] == "stale-team" and stored["limits"]["rpm"] == 7 and stored["tags"] == ["x"]
    assert tab.input_value("#edit-rpm") == "7" and tab.input_value("#edit-tags") == "x"


def test_a_refused_key_edit_still_notices_a_change_made_before_it(gateway: RunningGateway, tab: Page) -> None:
    """A refusal (a bad value) shows the form as typed; the next save is still checked against the
    key as the page first showed it, so a change made meanwhile is not undone by the second try."""
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "twice", "limits": {"rpm": 10}}).json()
    sign_in(tab, gateway, then=f"/console/keys/{key['id']}")
    tab.fill("#edit-alert_webhook", "ftp://hooks.example.com/x")
    tab.get_by_role("button", name="Save changes").click()
    assert "http:// or https://" in tab.get_by_role("alert").inner_text()
    admin_call(gateway, "PATCH", f"/admin/keys/{key['id']}", json={"limits": {"rpm": 3}})
    tab.fill("#edit-alert_webhook", "")
    tab.get_by_role("button", name="Save changes").click()
    assert "changed by someone else" in tab.get_by_role("alert").inner_text()
    assert admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()["limits"]["rpm"] == 3
