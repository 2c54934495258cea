"""Semantic mode: a request whose last user message means the same as a cached one's (the
embedded MiniLM, through the gateway's own local worker) gets that answer; one that means
something else, or comes with another system prompt, does not."""

from __future__ import annotations

import time
from pathlib import Path

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
    """The first answer, and its index entry (added off the request path, once the MiniLM worker
    has loaded: a first start exports it, and lookups are misses meanwhile)."""
    assert chat(gateway, messages=ask(text)).headers["x-strata-cache"] == "miss"
    deadline = time.monotonic() + 90
    reworded = ask(text.rstrip("?") + " ?")  # not an exact hit: a semantic one, once indexed
    while chat(gateway, messages=reworded, headers={"x-strata-cache": "only-if-cached"}).status_code != 200:
        assert time.monotonic() < deadline, "the answer was never indexed"
        time.sleep(0.1)


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


def test_lookups_while_the_embedding_model_loads_are_misses_not_waits(
    upstream: FakeUpstream, start_gateway: StartGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRATA_MODEL_CACHE_DIR", str(tmp_path / "models"))  # nothing kept: it exports (seconds)
    gateway = start_gateway(cache_catalog(upstream, mode="semantic", threshold=0.9))
    started = time.monotonic()
    first = chat(gateway, messages=ask("What is the capital of France?"))
    assert first.headers["x-strata-cache"] == "miss"
    assert time.monotonic() - started < 3, "the lookup waited for the model to load"
    _stored(gateway, "What is the capital of Spain?")  # and once it has loaded, answers are indexed
