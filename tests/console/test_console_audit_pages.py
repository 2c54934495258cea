"""What a person sees on the console's pages in a real browser, for cases an audit found wrong: a
malformed address answered with the console's own page, a refused playground message handed back,
the guardrail test saying what it could not evaluate, long names wrapping, chart times in UTC,
filtered alerts, limit inputs' bounds, and a confirmation before resetting every circuit."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from playwright.sync_api import Page

from tests.console.conftest import WIDTHS, admin_call, sign_in
from tests.support.gateway import RunningGateway


def test_a_malformed_models_address_is_refused_with_a_sentence(gateway: RunningGateway, tab: Page) -> None:
    sign_in(tab, gateway)
    answer = tab.goto(f"{gateway.base_url}/console/models?cleared=echo&dropped=lots")
    assert answer is not None and answer.status == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert tab.get_by_role("navigation", name="Console pages").is_visible(), "the console's own page, with its menu"
    sentence = tab.get_by_role("alert").inner_text()
    assert "dropped" in sentence and "whole number" in sentence, sentence
    assert "{" not in tab.inner_text("main"), "no raw JSON on the page"


def test_a_refused_playground_message_goes_back_to_the_box_and_is_not_sent_later(
    gateway: RunningGateway, tab: Page
) -> None:
    sign_in(tab, gateway, then="/console/playground")
    tab.select_option("#pg-model", "echo")
    sent: list[dict[str, object]] = []
    tab.on("request", lambda r: sent.append(json.loads(r.post_data or "{}")) if r.url.endswith("/chat") else None)
    tab.fill("#pg-guardrail", "no-such-guardrail")
    tab.fill("#pg-message", "first, refused")
    with tab.expect_response(lambda r: r.url.endswith("/playground/chat")):
        tab.click("#pg-send")
    tab.locator("#pg-send:not([disabled])").wait_for()
    assert tab.locator("#pg-error").is_visible()
    assert tab.input_value("#pg-message") == "first, refused", "the refused text is back in the box"
    assert tab.locator("#pg-chat .msg").count() == 0, "nothing on screen as if it had been sent"
    tab.fill("#pg-guardrail", "")
    tab.fill("#pg-message", "second")
    tab.click("#pg-send")
    tab.locator("#pg-stats [data-stat=model]").wait_for()
    assert tab.locator("#pg-chat .msg.user").all_inner_texts() == ["second"]
    assert [m["content"] for m in sent[-1]["messages"]] == ["second"]  # type: ignore[index]


def test_the_guardrail_test_says_a_grounding_policy_was_not_evaluated(gateway: RunningGateway, tab: Page) -> None:
    definition = {
        "name": "grounded",
        "wordPolicyConfig": {"wordsConfig": [{"text": "forbidden"}]},
        "contextualGroundingPolicyConfig": {"filtersConfig": [{"type": "GROUNDING", "threshold": 0.9}]},
        "blockedInputMessaging": "No.",
        "blockedOutputsMessaging": "No.",
    }
    created = admin_call(gateway, "POST", "/guardrails", json=definition)
    assert created.status_code < 300, created.text
    sign_in(tab, gateway, then=f"/console/guardrails/{created.json()['guardrailId']}")
    tab.fill("#test-text", "The Eiffel Tower is in Rome.")
    tab.select_option("#test-source", "output")
    tab.get_by_role("button", name="Apply guardrail").click()
    result = tab.locator("#test-result [role=status]")
    result.wait_for()
    said = result.inner_text()
    assert "grounding policy was not evaluated" in said and "Nothing in the guardrail matched" not in said, said


def test_long_names_wrap_instead_of_widening_the_page(gateway: RunningGateway, tab: Page) -> None:
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "T" * 200}).json()
    key = admin_call(gateway, "POST", "/admin/keys", json={"name": "L" * 200, "team_id": team["id"]}).json()
    sign_in(tab, gateway)
    for width in WIDTHS.values():
        tab.set_viewport_size({"width": width, "height": 900})
        for path in (f"keys/{key['id']}", f"teams/{team['id']}", "keys", "teams"):
            tab.goto(f"{gateway.base_url}/console/{path}")
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"/console/{path} is {overflow} px wider than a {width} px window"


def test_chart_times_are_in_utc_like_every_other_date(gateway: RunningGateway, tab: Page) -> None:
    sign_in(tab, gateway, then="/console/overview?range=day")
    tab.wait_for_function("window.strataCharts && window.strataCharts.requests")
    over = tab.locator("[data-chart=requests] .u-over").bounding_box()
    assert over is not None
    tab.mouse.move(over["x"] + over["width"] - 2, over["y"] + over["height"] / 2)
    index = tab.evaluate("window.strataCharts.requests.cursor.idx")
    moment = tab.evaluate(f"window.strataCharts.requests.data[0][{index}]")
    legend = tab.locator("[data-chart=requests] .u-legend").inner_text()
    expected = datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert expected in legend, legend
    ticks = tab.evaluate("[window.strataCharts.requests.axes[0]._splits, window.strataCharts.requests.axes[0]._values]")
    for split, label in zip(*ticks, strict=True):
        if label:
            at = datetime.fromtimestamp(split, UTC)
            assert label in (at.strftime("%H:%M"), at.strftime("%m-%d"), at.strftime("%m-%d %H:%M")), (split, label)


def test_an_alert_filter_that_matches_nothing_says_so(gateway: RunningGateway, page: Page) -> None:
    sign_in(page, gateway, then="/console/alerts?kind=spend_rate&status=failed")
    text = page.locator(".empty").inner_text()
    assert "No alert matches the filter" in text, text
    page.goto(f"{gateway.base_url}/console/alerts")
    assert "Give a key or team a budget" in page.locator(".empty").inner_text()


def test_rate_and_concurrency_inputs_ask_for_at_least_one(gateway: RunningGateway, page: Page) -> None:
    team = admin_call(gateway, "POST", "/admin/teams", json={"name": "bounds"}).json()
    sign_in(page, gateway, then="/console/keys")
    for name in ("rpm", "tpm", "max_concurrent"):
        assert page.get_attribute(f"#new-{name}", "min") == "1"
    assert page.get_attribute("#new-budget_usd_day", "min") == "0"
    page.goto(f"{gateway.base_url}/console/teams/{team['id']}")
    assert page.get_attribute("#edit-rpm", "min") == "1" and page.get_attribute("#edit-budget_usd_month", "min") == "0"


def test_resetting_every_circuit_asks_first(gateway: RunningGateway, page: Page) -> None:
    sign_in(page, gateway, then="/console/models")
    asked: list[str] = []

    def dismiss(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dismiss)
    page.get_by_role("button", name="Reset every circuit").click()
    page.wait_for_function("true")
    assert asked and re.search(r"every", asked[0], re.IGNORECASE), asked
    assert "reset=" not in page.url, "dismissed: nothing was reset"
