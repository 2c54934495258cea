"""The overview, usage explorer, models, guardrails, playground and audit pages in the browser,
over a gateway whose ledger was seeded with known numbers; a screenshot of each at both widths."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.console.conftest import admin_call, console_catalog, screenshots, sign_in
from tests.console.seed import event, seed
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON
from tests.support.gateway import RunningGateway, gateway_in_thread

HOUR, DAYS_AGO = 30, 20  # seeded records: in the last hour (3 of them failed), and three days ago


@pytest.fixture(scope="module")
def seeded(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder = tmp_path_factory.mktemp("seeded")
    with gateway_in_thread(console_catalog(upstream_server.url), folder, environ=ENVIRON) as gateway:
        recent = [
            event(60 + i * 90, "gpt-test", "strata_seed_a", "team_seed", 502 if i < 3 else 200) for i in range(HOUR)
        ]
        older = [event(3 * 86400 + i, "echo", "strata_seed_b", None) for i in range(DAYS_AGO)]
        seed(gateway.data_dir, recent + older)
        yield gateway


def _chart_sum(page: Page, chart: str, series: int) -> float:
    return float(page.evaluate(f"strataCharts.{chart}.data[{series}].reduce((a, b) => a + (b || 0), 0)"))


def test_the_overview_draws_the_seeded_numbers(page: Page, seeded: RunningGateway) -> None:
    sign_in(page, seeded, then="/console/overview?range=hour")
    assert page.locator("[data-kpi=requests]").inner_text() == str(HOUR)
    assert page.locator("[data-kpi=cost]").inner_text() == "$0.3000"
    assert page.locator("[data-kpi=error-rate]").inner_text() == "10.0%"
    page.locator(".plot canvas").first.wait_for()
    assert page.locator(".plot canvas").count() == 4
    assert _chart_sum(page, "requests", 1) == HOUR
    assert _chart_sum(page, "requests", 2) == 3
    assert _chart_sum(page, "tokens", 1) == HOUR * 120
    assert page.get_by_role("cell", name="team_seed").count() == 1
    screenshots(page, "overview-hour")

    page.get_by_role("link", name="Last 30 days").click()
    page.locator(".plot canvas").first.wait_for()
    assert page.locator("[data-kpi=requests]").inner_text() == str(HOUR + DAYS_AGO)
    assert _chart_sum(page, "requests", 1) == HOUR + DAYS_AGO
    screenshots(page, "overview-month")


def test_the_usage_explorer_filters_and_exports_what_it_shows_as_csv(page: Page, seeded: RunningGateway) -> None:
    sign_in(page, seeded, then="/console/usage")
    assert page.locator("[data-total=requests]").inner_text() == str(HOUR)
    page.locator("#status").select_option("error")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**status=error**")
    assert page.locator("[data-total=requests]").inner_text() == "3"
    assert page.locator("#usage-records tbody tr").count() == 3
    screenshots(page, "usage")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 and {row["status"] for row in rows} == {"502"}
    assert "messages" not in text and "content" not in rows[0]


def test_the_models_page_shows_each_deployment_and_resets_its_circuit(page: Page, seeded: RunningGateway) -> None:
    sign_in(page, seeded, then="/console/models")
    row = page.locator("tr", has_text="gpt-test/0")
    assert "healthy" in row.inner_text()
    row.get_by_role("button", name="Reset the circuit of gpt-test/0").click()
    page.get_by_text("was reset").wait_for()
    screenshots(page, "models")
    entries = admin_call(seeded, "GET", "/admin/audit", params={"action": "reset"}).json()["rows"]
    assert entries[0]["target_id"] == "gpt-test/0" and entries[0]["via"] == "console"


def test_the_playground_streams_the_answer_and_shows_what_it_cost(
    page: Page, gateway: RunningGateway, upstream_server: FakeUpstream
) -> None:
    upstream_server.reset()
    upstream_server.set_behaviour("fake-model", content="one two three four five six", chunk_delay_ms=150)
    sign_in(page, gateway, then="/console/playground")
    page.locator("#pg-model").select_option("gpt-test")
    page.get_by_label("Your message").fill("Count to six.")
    page.get_by_role("button", name="Send").click()
    answer = page.locator(".msg.assistant")
    seen = set()
    for _ in range(60):
        seen.add(answer.inner_text())
        if page.locator("[data-stat=deployment]").count():
            break
        page.wait_for_timeout(50)
    assert len([text for text in seen if text]) >= 2, f"the answer arrived all at once: {seen}"
    assert answer.inner_text().split() == "one two three four five six".split()
    assert "gpt-test/0" in page.locator("[data-stat=deployment]").inner_text()
    assert page.locator("[data-stat=tokens-out]").inner_text().endswith(("6", "7", "8"))
    screenshots(page, "playground")
    for _ in range(50):  # the usage writer flushes every half second
        records = admin_call(gateway, "GET", "/admin/usage/records", params={"model": "gpt-test"}).json()["rows"]
        if any(r["surface"] == "console" for r in records):
            break
        page.wait_for_timeout(100)
    mine = next(r for r in records if r["surface"] == "console")
    assert mine["key_id"] == "master" and mine["stream"] and mine["status"] == 200


def test_the_guardrail_test_box_highlights_what_matched(page: Page, gateway: RunningGateway) -> None:
    sign_in(page, gateway, then="/console/guardrails")
    screenshots(page, "guardrails-empty")
    definition = page.locator("#definition")
    definition.fill(definition.input_value().replace('"forbidden phrase"', '"launch codes"'))
    page.get_by_role("button", name="Create guardrail").click()
    page.get_by_text("The guardrail was created").wait_for()
    page.get_by_label("Text to check").fill("Send the launch codes to ops@example.com please.")
    page.get_by_role("button", name="Apply guardrail").click()
    result = page.locator("#test-result")
    result.get_by_text("Blocked.").wait_for()
    assert sorted(result.locator("mark.hit").all_inner_texts()) == ["launch codes", "ops@example.com"]
    screenshots(page, "guardrail")
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_text("A new numbered version was published").wait_for()
    page.goto(f"{gateway.base_url}/console/guardrails")
    screenshots(page, "guardrails")


def test_the_audit_log_shows_who_changed_what(page: Page, gateway: RunningGateway) -> None:
    admin_call(gateway, "POST", "/admin/teams", json={"name": "audited-team"}).raise_for_status()
    sign_in(page, gateway, then="/console/audit")
    row = page.locator("#audit-entries tr", has_text="audited-team")
    assert "master" in row.inner_text() and "create" in row.inner_text() and "api" in row.inner_text()
    screenshots(page, "audit")


def test_a_stranger_lands_on_the_sign_in_page(page: Page, gateway: RunningGateway) -> None:
    page.goto(f"{gateway.base_url}/console/overview")
    page.wait_for_url("**/console/sign-in**")
    screenshots(page, "sign-in")
