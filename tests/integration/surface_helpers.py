"""What the SDK, CLI and console tests of budget alerts and the response cache share: a gateway
with a cached model and a plain one (both priced, on the fake upstream) whose alert monitor checks
every 0.1 s and posts to a test's webhook receiver, and bounded waits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import cache_catalog, chat
from tests.integration.conftest import ENVIRON
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.webhooks import SECRET, Receiver, running_receiver

T = TypeVar("T")
FAST = {
    "alert_interval_s": 0.1,
    "alert_webhook_secret": SECRET,
    "alert_webhook_backoff_s": 0.05,
    "usage_flush_interval_s": 0.05,
}


@contextmanager
def surface_gateway(upstream: FakeUpstream, folder: Path) -> Iterator[tuple[RunningGateway, Receiver]]:
    """`cached` (exact cache) and `plain`, alerts posted to a receiver started here."""
    with running_receiver() as receiver:
        settings: dict[str, Any] = {**FAST, "alert_webhook_url": receiver.url}
        with gateway_in_thread(cache_catalog(upstream), folder, environ=ENVIRON, **settings) as gateway:
            yield gateway, receiver


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """``probe()`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout}s")


def paid_call(gateway: RunningGateway, key: str, model: str = "plain") -> float:
    """One successful call; what it cost (from its usage and the catalog's price)."""
    from tests.integration.cache_helpers import PRICING

    response = chat(gateway, key, model=model)
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    return float(
        usage["prompt_tokens"] * PRICING["input_cost_per_token"]
        + usage["completion_tokens"] * PRICING["output_cost_per_token"]
    )
