"""Fixtures for the console's tests: a headless Chromium (Debian's, driven by Playwright), gateways
with the fake upstream behind them, signing in, and screenshots at both widths.

Screenshots go to tests/artifacts/console/ (git-ignored), one per page and width, to be looked at.
With CI=true a missing Chromium is a failure, never a skip (.ci/run installs it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, catalog_yaml, openai_deployment, require_service
from tests.support.gateway import RunningGateway, gateway_in_thread

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "console"
WIDTHS = {"wide": 1280, "narrow": 390}


def console_catalog(api_base: str) -> str:
    """A model behind the fake upstream, and the echo model."""
    return catalog_yaml({"gpt-test": [openai_deployment(api_base)], "echo": [{"provider": "echo"}]})


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[FakeUpstream]:
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture(scope="module")
def gateway(upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder = tmp_path_factory.mktemp("console")
    with gateway_in_thread(console_catalog(upstream_server.url), folder, environ=ENVIRON) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the console's tests, stopped after them: Playwright's sync API keeps an event
    loop running in the main thread while it lives, which any later test's asyncio.run() would meet."""
    require_service("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A page whose every script error, console error and 4xx/5xx answer fails the test."""
    yield from _watched(browser, refusals_fail=True)


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Page]:
    """A page that may receive a refusal (4xx) on purpose; script errors still fail the test. Its
    browser is in India's time zone, so a page showing local time instead of UTC shows it."""
    yield from _watched(browser, refusals_fail=False, timezone_id="Asia/Kolkata")


def _watched(browser: Browser, refusals_fail: bool, **context_options: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": WIDTHS["wide"], "height": 900}, **context_options)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    if refusals_fail:
        opened.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
        opened.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    yield opened
    context.close()
    assert not problems, f"the page reported errors: {problems}"


def sign_in(page: Page, gateway: RunningGateway, key: str | None = None, then: str = "/console/overview") -> None:
    page.goto(f"{gateway.base_url}{then}")
    page.get_by_label("Admin key").fill(key or gateway.master_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(then)))


def screenshots(page: Page, name: str) -> list[Path]:
    """The page at 1280 and 390 px wide, full height; returns the files written."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    written = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)  # charts redraw on resize
        path = ARTIFACTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is wider than the {width} px window by {overflow} px"
        written.append(path)
    page.set_viewport_size({"width": WIDTHS["wide"], "height": 900})
    return written


def admin_call(gateway: RunningGateway, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{gateway.base_url}{path}", headers=gateway.headers(), timeout=10, **kwargs)
