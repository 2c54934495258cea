"""A gateway whose Redis refuses connections still saves admin changes at once: publishing a change
to the other processes is bounded (services/invalidations.py), where redis-py's retries with backoff
had every guardrail and key write wait about 3 s for as long as the outage lasted."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.admin_helpers import admin, created
from tests.integration.conftest import StartGateway
from tests.integration.guardrail_api_helpers import CONFIG, MESSAGES, WORDS, control_client, unique
from tests.support.gateway import RunningGateway, free_port


@pytest.fixture()
def gateway(start_gateway: StartGateway) -> RunningGateway:
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens: every connection is refused
    return start_gateway(CONFIG, environ={}, redis_url=nobody)


@pytest.fixture()
def control(gateway: RunningGateway) -> Iterator[Any]:
    yield from control_client(gateway)


def _seconds(work: Callable[[], object]) -> float:
    started = time.monotonic()
    work()
    return time.monotonic() - started


def test_guardrail_and_key_changes_are_saved_at_once_while_redis_refuses(gateway: RunningGateway, control: Any) -> None:
    gid = control.create_guardrail(name=unique(), **MESSAGES, **WORDS)["guardrailId"]
    key = created(gateway, "/keys", {"name": "outage"})
    writes: list[Callable[[], object]] = [
        lambda: control.update_guardrail(guardrailIdentifier=gid, name=unique(), **MESSAGES, **WORDS),
        lambda: control.create_guardrail_version(guardrailIdentifier=gid),
        lambda: admin(gateway, "PATCH", f"/keys/{key['id']}", json={"name": "renamed"}).raise_for_status(),
        lambda: admin(gateway, "POST", f"/keys/{key['id']}/revoke").raise_for_status(),
        lambda: control.delete_guardrail(guardrailIdentifier=gid),
    ]
    for write in writes:
        assert _seconds(write) < 1.5  # each took 3 to 4 s before
    assert gid not in {g["id"] for g in control.list_guardrails(maxResults=1000)["guardrails"]}
