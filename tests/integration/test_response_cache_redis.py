"""With STRATA_REDIS_URL the cache is one for every gateway process: an answer one process kept is
a hit on another, DELETE /admin/cache on one clears it for all, and Redis going away makes lookups
misses (never errors) until it comes back."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin
from tests.integration.cache_helpers import cache_catalog, chat, upstream_calls
from tests.integration.conftest import QUOTA_REDIS_URL, StartGateway, require_redis
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture()
def question() -> list[dict[str, str]]:
    """A question no other run asked: entries in the shared Redis never collide between runs."""
    return [{"role": "user", "content": f"What is the capital of France? ({uuid.uuid4().hex})"}]


def test_two_gateways_sharing_redis_share_the_cache(
    upstream: FakeUpstream, start_gateway: StartGateway, question: list[dict[str, str]]
) -> None:
    url = require_redis(QUOTA_REDIS_URL)
    one = start_gateway(cache_catalog(upstream), redis_url=url)
    two = start_gateway(cache_catalog(upstream), redis_url=url)
    upstream.set_behaviour(content="Paris, from gateway one.")
    assert chat(one, messages=question).headers["x-strata-cache"] == "miss"
    deadline = time.monotonic() + 5
    answer = chat(two, messages=question)
    while answer.headers["x-strata-cache"] != "hit" and time.monotonic() < deadline:  # the store is off the path
        time.sleep(0.02)
        answer = chat(two, messages=question, headers={"x-strata-cache": "only-if-cached"})
    assert answer.headers["x-strata-cache"] == "hit"
    assert answer.json()["choices"][0]["message"]["content"] == "Paris, from gateway one."
    assert upstream_calls(upstream) == 1
    assert admin(one, "DELETE", "/cache", params={"model": "cached"}).json()["deleted"] >= 1
    assert chat(two, messages=question, headers={"x-strata-cache": "only-if-cached"}).status_code == 504


def test_redis_going_away_turns_hits_into_misses_not_errors(
    upstream: FakeUpstream, start_gateway: StartGateway, question: list[dict[str, str]]
) -> None:
    require_redis(QUOTA_REDIS_URL)
    with TcpProxy("127.0.0.1", 6379) as proxy:
        gateway = start_gateway(cache_catalog(upstream), redis_url=f"redis://127.0.0.1:{proxy.port}/12")
        chat(gateway, messages=question)
        time.sleep(0.1)
        assert chat(gateway, messages=question).headers["x-strata-cache"] == "hit"
        proxy.blackhole()
        started = time.monotonic()
        outage = [chat(gateway, messages=question) for _ in range(3)]
        assert [r.status_code for r in outage] == [200, 200, 200]
        assert {r.headers["x-strata-cache"] for r in outage} == {"miss"}
        assert time.monotonic() - started < 3  # one short timeout, then Redis is left alone a while
        proxy.restore()
