"""An upstream that sends no usage in its streams (vLLM, Ollama): the gateway counts the tokens
and bills the call at them, and the cached answer keeps that usage, so its hits carry it (a plain
hit's ``usage``, a streamed hit's usage chunk) and their records say what they saved."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.admin_helpers import admin
from tests.integration.cache_helpers import ASK, cache_catalog, upstream_calls
from tests.integration.conftest import MakeClient, StartGateway
from tests.support.gateway import RunningGateway


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    upstream.set_behaviour(usage_in_stream=False, content="one two three four five six", chunk_count=3)
    return start_gateway(cache_catalog(upstream), usage_flush_interval_s=0.05)


def _records(gateway: RunningGateway, hits: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The original call's record and, once ``hits`` of them are written, the hits' records."""
    deadline = time.monotonic() + 10
    while True:
        rows = admin(gateway, "GET", "/usage/records").json()["rows"]
        originals = [row for row in rows if row["cache"] is None and row["cost_usd"]]
        found = [row for row in rows if row["cache"] == "hit"]
        if (originals and len(found) >= hits) or time.monotonic() > deadline:
            assert len(originals) == 1, rows
            return originals[0], found
        time.sleep(0.05)


def _stream_without_usage(client: openai.OpenAI) -> str:
    """The first caller streams as the SDK does by default: no include_usage."""
    chunks = list(client.chat.completions.create(model="cached", messages=ASK, temperature=0, stream=True))  # type: ignore[arg-type]
    assert all(chunk.usage is None for chunk in chunks)
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _wait_until_kept(client: openai.OpenAI) -> None:
    """The answer is stored off the request path: wait until a lookup finds it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.chat.completions.create(
                model="cached",
                messages=ASK,  # type: ignore[arg-type]
                temperature=0,
                extra_headers={"x-strata-cache": "only-if-cached"},
            )
            return
        except openai.APIStatusError as error:  # 504 not_cached: not kept yet
            assert error.status_code == 504, error
        time.sleep(0.02)
    raise AssertionError("the stream's answer was never kept")


def test_hits_of_a_stream_the_upstream_sent_no_usage_for_carry_the_usage_it_was_billed_at(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)
    assert _stream_without_usage(client) == "one two three four five six"
    _wait_until_kept(client)
    original, _ = _records(gateway)
    assert original["prompt_tokens"] > 0 and original["completion_tokens"] > 0 and original["cost_usd"] > 0
    billed = (original["prompt_tokens"], original["completion_tokens"])

    plain = client.chat.completions.create(model="cached", messages=ASK, temperature=0)  # type: ignore[arg-type]
    assert plain.usage is not None
    assert (plain.usage.prompt_tokens, plain.usage.completion_tokens) == billed

    streamed = list(
        client.chat.completions.create(
            model="cached",
            messages=ASK,  # type: ignore[arg-type]
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    usage = streamed[-1].usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == billed
    assert upstream_calls(upstream) == 1


def test_hits_of_such_a_stream_record_what_they_saved(
    upstream: FakeUpstream, gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(gateway)
    _stream_without_usage(client)
    _wait_until_kept(client)
    list(client.chat.completions.create(model="cached", messages=ASK, temperature=0, stream=True))  # type: ignore[arg-type]

    original, hits = _records(gateway, hits=2)
    assert original["cost_usd"] > 0
    assert len(hits) == 2 and upstream_calls(upstream) == 1
    for hit in hits:
        assert float(hit["saved_usd"]) == pytest.approx(original["cost_usd"])
        assert hit["prompt_tokens"] == hit["completion_tokens"] == 0 and hit["cost_usd"] == 0
