"""A webhook URL the deliverer could never post to is refused when it is saved, naming the field;
one saved before this check fails its alert at once, with the reason, instead of leaving it
pending for good."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import ValidationError

from gateway.config.settings import Settings
from gateway.services.alerts.rules import AlertRules


@pytest.mark.parametrize("url", ["http://[::1", "http://a b/", "http://x:99999/", "http:///nohost"])
def test_an_undeliverable_webhook_url_is_refused_naming_the_field(url: str) -> None:
    with pytest.raises(ValidationError, match="webhook_url"):
        AlertRules(thresholds=[0.5], webhook_url=url)


@pytest.mark.parametrize("url", ["http://[::1/x", "http://127.0.0.1:99999/hooks", "http://a b/"])
def test_an_undeliverable_default_webhook_url_stops_the_gateway_at_start(url: str) -> None:
    with pytest.raises(ValidationError, match="alert_webhook_url"):
        Settings(alert_webhook_url=url)
    assert Settings(alert_webhook_url="https://hooks.example.com/budget").alert_webhook_url is not None


@pytest.mark.parametrize("url", ["https://hooks.example.com/budget", "http://127.0.0.1:8080/h", "http://bücher.例え/"])
def test_a_deliverable_webhook_url_is_kept(url: str) -> None:
    assert AlertRules(thresholds=[0.5], webhook_url=url).webhook_url == url


def test_an_unreadable_url_already_stored_fails_the_attempt_without_a_retry() -> None:
    from gateway.services.alerts import webhook

    class Row:
        id = "alert-1"

    async def attempt() -> None:
        async with httpx.AsyncClient() as client:
            await webhook._attempt(client, "http://[::1", b"{}", Row(), "secret")  # type: ignore[arg-type]

    with pytest.raises(webhook._Refused, match="cannot be used"):
        asyncio.run(attempt())
