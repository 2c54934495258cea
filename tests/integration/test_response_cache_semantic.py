"""Semantic mode: a request whose last user message means the same as a cached one's (the
embedded MiniLM, through the gateway's own local worker) gets that answer; one that means
something else, or comes with another system prompt, does not."""

from __future__ import annotations

import time

import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import cache_catalog, chat, upstream_calls
from tests.integration.conftest import StartGateway
from tests.support.gateway import RunningGateway


def ask(text: str, system: str = "You answer geography questions briefly.") -> list[dict[str, str]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_gateway(cache_catalog(upstream, mode="semantic", threshold=0.9))


def _stored(gateway: RunningGateway, text: str) -> None:
    """The first answer, and the time its index entry takes to be added (off the request path)."""
    # the first call may wait for the MiniLM worker to finish loading (a first start exports it)
    assert chat(gateway, messages=ask(text), timeout=90).headers["x-strata-cache"] == "miss"
    time.sleep(0.3)


def test_a_paraphrase_gets_the_cached_answer_with_its_similarity(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(content="Paris.")
    _stored(gateway, "What is the capital of France?")
    upstream.set_behaviour(content="A different answer.")
    answer = chat(gateway, messages=ask("What's the capital city of France?"))
    assert answer.headers["x-strata-cache"] == "semantic-hit", answer.headers
    assert 0.9 <= float(answer.headers["x-strata-cache-similarity"]) < 1.0
    assert answer.json()["choices"][0]["message"]["content"] == "Paris."
    assert upstream_calls(upstream) == 1


def test_a_near_miss_or_another_system_prompt_is_a_miss(upstream: FakeUpstream, gateway: RunningGateway) -> None:
    _stored(gateway, "What is the capital of France?")
    assert chat(gateway, messages=ask("What is the capital of Germany?")).headers["x-strata-cache"] == "miss"
    other = ask("What's the capital city of France?", system="You answer in French.")
    assert chat(gateway, messages=other).headers["x-strata-cache"] == "miss"
    assert upstream_calls(upstream) == 3
