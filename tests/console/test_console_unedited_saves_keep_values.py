"""A save in the console with nothing edited stores exactly what was there: alert thresholds that
are not a whole percentage (0.999 shown as 99.9%) and team tags holding spaces or commas
("cost center", "eu,west") come back from the form unchanged, so no alert fires twice and no
usage record's tags change behind the admin's back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.console.conftest import admin_call, sign_in
from tests.support.gateway import RunningGateway

THRESHOLDS = [0.999, 0.07, 0.333333333333333, 1.15, 0.0001, 10.0]


@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_saving_a_key_unchanged_keeps_its_alert_thresholds_exactly(
    gateway: RunningGateway, page: Page, threshold: float
) -> None:
    alerts = {"thresholds": [threshold, 0.5], "webhook_url": "http://127.0.0.1:9/hook"}
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": f"t-{threshold}", "alerts": alerts}).json()
    before = key["alerts"]["thresholds"]
    assert threshold in before
    sign_in(page, gateway, then=f"/console/keys/{key['id']}")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/keys/{key['id']}?done=updated")
    stored = admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()["alerts"]["thresholds"]
    assert stored == before


def test_saving_a_team_unchanged_keeps_its_tags_and_alert_thresholds_exactly(
    gateway: RunningGateway, page: Page
) -> None:
    tags = ["cost center", "eu,west", "plain"]
    body = {"name": "research", "tags": tags, "alerts": {"thresholds": [0.999, 0.07]}}
    team = admin_call(gateway, "POST", "/admin/teams", json=body).json()
    sign_in(page, gateway, then=f"/console/teams/{team['id']}")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/teams/{team['id']}?done=updated")
    stored = admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()
    assert stored["tags"] == tags
    assert stored["alerts"]["thresholds"] == team["alerts"]["thresholds"] == [0.07, 0.999]


def test_team_tags_typed_in_quotation_marks_are_saved_as_typed(gateway: RunningGateway, page: Page) -> None:
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "typed-tags"}).json()
    sign_in(page, gateway, then=f"/console/teams/{team['id']}")
    page.fill("#edit-tags", '"cost center",  "eu,west" plain, "say ""hi"""')
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/teams/{team['id']}?done=updated")
    stored = admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()["tags"]
    assert stored == ["cost center", "eu,west", "plain", 'say "hi"']
    assert page.input_value("#edit-tags") == '"cost center", "eu,west", plain, "say ""hi"""'


def test_a_threshold_typed_as_a_percentage_is_stored_as_the_fraction_it_names(
    gateway: RunningGateway, page: Page
) -> None:
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "typed-threshold"}).json()
    sign_in(page, gateway, then=f"/console/keys/{key['id']}")
    page.fill("#edit-alert_thresholds", "99.9%, 7%, 0.3")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/keys/{key['id']}?done=updated")
    assert admin_call(gateway, "GET", f"/admin/keys/{key['id']}").json()["alerts"]["thresholds"] == [0.07, 0.3, 0.999]
    assert page.input_value("#edit-alert_thresholds") == "7%, 30%, 99.9%"


def test_a_tag_with_an_unclosed_quotation_mark_is_refused_in_a_sentence_and_nothing_changes(
    gateway: RunningGateway, tab: Page
) -> None:
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "unclosed", "tags": ["kept"]}).json()
    sign_in(tab, gateway, then=f"/console/teams/{team['id']}")
    tab.fill("#edit-tags", '"cost center, eu')
    tab.get_by_role("button", name="Save changes").click()
    tab.wait_for_load_state()
    assert "quotation mark is not closed" in tab.locator("[role=alert]").inner_text()
    assert tab.input_value("#edit-tags") == '"cost center, eu'
    assert admin_call(gateway, "GET", f"/admin/teams/{team['id']}").json()["tags"] == ["kept"]
