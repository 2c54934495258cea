"""Keys and teams in the browser: a key created in the console works and its secret is shown
once; revoked, calls with it fail; a team's limit edited in the console refuses the next call."""

from __future__ import annotations

import openai
import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import screenshots, sign_in
from tests.fakes.upstream import FakeUpstream
from tests.support.gateway import RunningGateway

USER = [{"role": "user", "content": "Say hello."}]


def _client(gateway: RunningGateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.openai_base, api_key=key, max_retries=0, timeout=10)


def _create_key(page: Page, gateway: RunningGateway, name: str, team: str | None = None) -> str:
    page.goto(f"{gateway.base_url}/console/keys")
    page.get_by_text("Create a key").click()
    page.locator("#new-name").fill(name)
    if team is not None:
        page.locator("#new-team").select_option(label=team)
    page.get_by_role("button", name="Create key").click()
    page.wait_for_url("**/created")  # post/redirect/get: a reload creates no second key
    secret = page.locator("#new-secret").inner_text().strip()
    assert secret.startswith("sk-"), secret
    return secret


def test_a_key_created_in_the_console_is_shown_once_works_and_stops_working_when_revoked(
    page: Page, gateway: RunningGateway, upstream_server: FakeUpstream
) -> None:
    upstream_server.reset()
    sign_in(page, gateway, then="/console/keys")
    screenshots(page, "keys-empty")
    secret = _create_key(page, gateway, "ci-bot")
    screenshots(page, "key-created")
    page.get_by_role("button", name="Copy").click()
    # copied, or selected (a locator assertion: the console's CSP refuses wait_for_function's eval)
    expect(page.locator("[data-copied]")).not_to_have_text("")

    answer = _client(gateway, secret).chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    assert answer.choices[0].message.content

    page.get_by_role("link", name="Open the key").click()
    assert secret not in page.content(), "the key page shows the secret again"
    page.goto(f"{gateway.base_url}/console/keys")
    assert secret not in page.content(), "the key list shows the secret"
    page.get_by_role("link", name="ci-bot").click()
    screenshots(page, "key")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke key").click()
    page.get_by_text("The key was revoked").wait_for()

    with pytest.raises(openai.AuthenticationError):
        _client(gateway, secret).chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]


def test_a_team_limit_edited_in_the_console_refuses_the_next_call(
    page: Page, gateway: RunningGateway, upstream_server: FakeUpstream
) -> None:
    upstream_server.reset()
    sign_in(page, gateway, then="/console/teams")
    page.get_by_text("Create a team").click()
    page.locator("#new-name").fill("research")
    page.get_by_role("button", name="Create team").click()
    page.get_by_text("The team was created").wait_for()
    secret = _create_key(page, gateway, "research-bot", team="research")
    client = _client(gateway, secret)
    client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    page.goto(f"{gateway.base_url}/console/teams")
    page.get_by_role("link", name="research").click()
    page.locator("#edit-rpm").fill("1")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("The team was saved").wait_for()
    screenshots(page, "team")

    client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]  # the minute's one call
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    page.goto(f"{gateway.base_url}/console/teams")
    screenshots(page, "teams")
