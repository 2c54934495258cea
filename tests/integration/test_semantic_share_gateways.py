"""Two real gateways sharing one Redis: a paraphrase asked on one is a semantic hit on the answer the
other stored (its index learned the entry through the stream), and a near-miss is still a miss.

Each gateway embeds with its own all-MiniLM-L6-v2 worker. Without Redis this skips (saying so);
under CI=true it fails. A system prompt no other run used keeps this run's partition its own.
"""

from __future__ import annotations

import time
import uuid

import httpx

from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import cache_catalog, chat, upstream_calls
from tests.integration.conftest import QUOTA_REDIS_URL, StartGateway, require_redis
from tests.support.gateway import RunningGateway


def ask(system: str, text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


def cached_only(gateway: RunningGateway, messages: list[dict[str, str]], within: float) -> httpx.Response:
    """Ask with only-if-cached until it answers from the cache (the entry travels off the path)."""
    deadline = time.monotonic() + within
    while True:
        answer = chat(gateway, messages=messages, headers={"x-strata-cache": "only-if-cached"})
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_a_paraphrase_on_one_gateway_hits_the_answer_another_gateway_stored(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    url = require_redis(QUOTA_REDIS_URL)
    catalog = cache_catalog(upstream, mode="semantic", threshold=0.85)
    one = start_gateway(catalog, redis_url=url)
    two = start_gateway(catalog, redis_url=url)
    system = f"You answer geography questions briefly. ({uuid.uuid4().hex})"
    upstream.set_behaviour(content="Paris, from gateway one.")
    first = chat(one, messages=ask(system, "What is the capital of France?"))
    assert first.headers["x-strata-cache"] == "miss"

    # the first call on two also loads its MiniLM worker: give it time, then expect the shared entry
    answer = cached_only(two, ask(system, "What's the capital city of France?"), within=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-strata-cache"] == "semantic-hit"
    assert answer.json()["choices"][0]["message"]["content"] == "Paris, from gateway one."
    assert float(answer.headers["x-strata-cache-similarity"]) >= 0.85
    near_miss = chat(two, messages=ask(system, "What is the capital of Germany?"))  # two's model answers now
    assert near_miss.headers["x-strata-cache"] == "miss"
    assert upstream_calls(upstream) == 2
