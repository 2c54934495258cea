"""Without Redis each gateway process keeps its own cached answers; DELETE /admin/cache made on one
reaches the others sharing the database within about a second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import Store, admin, stores
from tests.integration.cache_helpers import cache_catalog, chat, upstream_calls
from tests.integration.conftest import StartGateway
from tests.support.gateway import RunningGateway

ONLY_CACHED = {"x-strata-cache": "only-if-cached"}


def _cached_on(gateway: RunningGateway, deadline_s: float = 5.0) -> bool:
    """Whether ``gateway`` answers from its cache (its store is written just after the answer)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if chat(gateway, headers=ONLY_CACHED).status_code == 200:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from stores(request.param, tmp_path)


def test_a_clear_on_one_gateway_reaches_another_sharing_its_database_without_redis(
    store: Store, upstream: FakeUpstream, start_gateway: StartGateway
) -> None:  # store first: a scratch PostgreSQL database is dropped after the gateways stop
    shared = {**store.settings, "secret_key": "cache-clears-shared-by-both-gateways"}
    one, two = (start_gateway(cache_catalog(upstream), **shared) for _ in range(2))
    for gateway in (one, two):
        assert chat(gateway).headers["x-strata-cache"] == "miss"
        assert _cached_on(gateway)
    assert upstream_calls(upstream) == 2  # no Redis: each process keeps its own answer

    cleared = admin(one, "DELETE", "/cache", params={"model": "cached"})
    assert cleared.status_code == 200 and cleared.json()["deleted"] == 1
    assert chat(one, headers=ONLY_CACHED).status_code == 504
    started = time.monotonic()
    while chat(two, headers=ONLY_CACHED).status_code == 200:
        assert time.monotonic() - started < 3, "the other gateway still serves the cleared answer"
        time.sleep(0.05)

    # the clear is not replayed: a new answer cached on two after it stays
    assert chat(two).headers["x-strata-cache"] == "miss"
    assert _cached_on(two)
    time.sleep(1.5)
    assert chat(two, headers=ONLY_CACHED).status_code == 200
