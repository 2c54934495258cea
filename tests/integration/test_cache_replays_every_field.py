"""A cached answer says everything the model said, whichever shape it is asked for in: a streamed
answer serves a later plain call and the other way round (README, "Response cache"), and a
refusal, a reasoning server's thinking, any other field an OpenAI-compatible upstream adds to its
message (``reasoning``, ``annotations``...) and the answer's ``system_fingerprint`` and
``service_tier`` come back as a call to the model itself (the uncached ``plain`` model) gives them."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.cache_helpers import ASK, cache_catalog, chat, upstream_calls
from tests.integration.conftest import StartGateway
from tests.support.gateway import RunningGateway

REFUSAL = "I'm sorry, I can't help with that."
REASONING = "The user asks about France; its capital is Paris."
EXTRA: dict[str, Any] = {
    "reasoning": "Capitals are well known.",
    "annotations": [{"type": "url_citation", "url_citation": {"url": "https://example.com/paris", "title": "Paris"}}],
}
Json = dict[str, Any]


@pytest.fixture()
def gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    return start_gateway(cache_catalog(upstream))


def stream(gateway: RunningGateway, model: str = "cached") -> tuple[str, list[Json]]:
    """(x-strata-cache, the chunks) of a streamed call."""
    payload = {"model": model, "messages": ASK, "temperature": 0, "stream": True}
    url = f"{gateway.openai_base}/chat/completions"
    with httpx.stream("POST", url, json=payload, headers=gateway.headers(), timeout=10) as reply:
        assert reply.status_code == 200, reply.read()
        lines = [line[6:] for line in reply.iter_lines() if line.startswith("data: ")]
        return reply.headers.get("x-strata-cache", ""), [orjson.loads(line) for line in lines if line != "[DONE]"]


def said(chunks: list[Json]) -> Json:
    """What a stream's deltas add up to, field by field (text joined, anything else in a list)."""
    out: Json = {}
    for chunk in chunks:
        for choice in chunk["choices"]:
            for name, value in choice["delta"].items():
                if name == "role" or value in (None, ""):
                    continue
                if isinstance(value, str):
                    out[name] = out.get(name, "") + value
                else:
                    out.setdefault(name, []).append(value)
    return out


def about(chunks: list[Json]) -> Json:
    """The chunk-level fields of a stream (other than id, created and the rest every chunk has)."""
    fields: Json = {}
    for chunk in chunks:
        fields.update({k: v for k, v in chunk.items() if k in ("system_fingerprint", "service_tier")})
    return fields


def plain_hit(gateway: RunningGateway) -> Json:
    raw = chat(gateway)
    assert raw.status_code == 200 and raw.headers["x-strata-cache"] == "hit", raw.text
    return dict(raw.json())


def live_plain(gateway: RunningGateway) -> Json:
    return dict(chat(gateway, model="plain").json())


def test_a_streamed_refusal_served_to_a_plain_call_is_still_the_refusal(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(refusal=REFUSAL, chunk_count=3)
    assert stream(gateway)[0] == "miss"
    hit = plain_hit(gateway)
    message = hit["choices"][0]["message"]
    assert message["refusal"] == REFUSAL and message["content"] is None
    assert message == live_plain(gateway)["choices"][0]["message"]
    assert upstream_calls(upstream) == 2  # the stream, and the uncached model's live answer


def test_a_plain_refusal_served_to_a_stream_streams_the_refusal(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(refusal=REFUSAL)
    assert chat(gateway).headers["x-strata-cache"] == "miss"
    shown, chunks = stream(gateway)
    assert shown == "hit"
    assert said(chunks) == {"refusal": REFUSAL}
    assert said(chunks) == said(stream(gateway, "plain")[1])


@pytest.mark.parametrize("first", ["stream", "plain"])
def test_a_reasoning_servers_thinking_comes_back_with_the_answer_in_either_shape(
    upstream: FakeUpstream, gateway: RunningGateway, first: str
) -> None:
    upstream.set_behaviour(content="Paris.", reasoning_content=REASONING, chunk_count=2)
    if first == "stream":
        assert stream(gateway)[0] == "miss"
        message = plain_hit(gateway)["choices"][0]["message"]
        assert message == {"role": "assistant", "content": "Paris.", "reasoning_content": REASONING}
        assert message == live_plain(gateway)["choices"][0]["message"]
    else:
        assert chat(gateway).headers["x-strata-cache"] == "miss"
        shown, chunks = stream(gateway)
        assert shown == "hit"
        assert said(chunks) == {"reasoning_content": REASONING, "content": "Paris."}
        assert said(chunks) == said(stream(gateway, "plain")[1])


def test_fields_an_upstream_adds_come_back_when_a_stream_serves_a_plain_call(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(content="Paris.", message_extra=EXTRA, service_tier="default")
    assert stream(gateway)[0] == "miss"
    hit, live = plain_hit(gateway), live_plain(gateway)
    assert hit["choices"][0]["message"] == live["choices"][0]["message"]
    assert hit["choices"][0]["message"]["annotations"] == EXTRA["annotations"]
    assert (hit["system_fingerprint"], hit["service_tier"]) == ("fp_fake", "default")


def test_fields_an_upstream_adds_come_back_when_a_plain_answer_serves_a_stream(
    upstream: FakeUpstream, gateway: RunningGateway
) -> None:
    upstream.set_behaviour(content="Paris.", message_extra=EXTRA, service_tier="default")
    assert chat(gateway).headers["x-strata-cache"] == "miss"
    shown, chunks = stream(gateway)
    live = stream(gateway, "plain")[1]
    assert shown == "hit"
    assert said(chunks) == said(live)
    assert said(chunks)["reasoning"] == EXTRA["reasoning"]
    assert about(chunks) == about(live) == {"system_fingerprint": "fp_fake", "service_tier": "default"}


@pytest.mark.parametrize("shape", ["stream", "plain"])
def test_an_answer_served_in_the_shape_it_was_kept_in_keeps_every_field(
    upstream: FakeUpstream, gateway: RunningGateway, shape: str
) -> None:
    upstream.set_behaviour(content="Paris.", reasoning_content=REASONING, message_extra=EXTRA, service_tier="flex")
    if shape == "stream":
        live = stream(gateway)[1]
        shown, chunks = stream(gateway)
        assert shown == "hit"
        assert said(chunks) == said(live) and about(chunks) == about(live)
    else:
        first = chat(gateway).json()
        hit = plain_hit(gateway)
        assert hit["choices"] == first["choices"]
        assert (hit["system_fingerprint"], hit["service_tier"]) == ("fp_fake", "flex")
