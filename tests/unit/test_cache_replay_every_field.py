"""A cached answer turned from one shape into the other (services/cache/replay.py) keeps every field
an upstream sent, joined the way its pieces were streamed; the integration tests
(test_cache_replays_every_field.py) show it through the gateway."""

from __future__ import annotations

from typing import Any

import orjson

from gateway.services.cache.replay import joined, split
from providers.canonical import ChatCompletionChunk

BASE = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}


def _chunk(delta: dict[str, Any], finish: str | None = None, **fields: Any) -> ChatCompletionChunk:
    choice = {"index": 0, "delta": delta, "finish_reason": finish, **fields.pop("choice", {})}
    return ChatCompletionChunk.model_validate({**BASE, "choices": [choice], **fields})


def test_audio_streamed_in_pieces_is_one_audio_with_its_id_once() -> None:
    chunks = [
        _chunk({"role": "assistant", "audio": {"id": "audio_1", "transcript": "Hel", "data": "AA"}}),
        _chunk({"audio": {"id": "audio_1", "transcript": "lo.", "data": "BB"}}),
        _chunk({"audio": {"expires_at": 99}}, "stop"),
    ]
    message = joined(chunks).choices[0].message.model_dump(exclude_unset=True)
    assert message["audio"] == {"id": "audio_1", "transcript": "Hello.", "data": "AABB", "expires_at": 99}
    assert message["content"] is None


def test_a_choices_logprobs_are_joined_and_its_other_fields_are_the_last_sent() -> None:
    def token(text: str) -> dict[str, Any]:
        return {"token": text, "logprob": -0.1, "bytes": list(text.encode()), "top_logprobs": []}

    filters = {"hate": {"filtered": False, "severity": "safe"}}
    chunks = [
        _chunk({"content": "Hi"}, choice={"logprobs": {"content": [token("Hi")], "refusal": None}}),
        _chunk({"content": "!"}, choice={"logprobs": {"content": [token("!")]}, "content_filter_results": filters}),
        _chunk({}, "stop", choice={"logprobs": None, "content_filter_results": filters}),
    ]
    choice = joined(chunks).choices[0].model_dump(exclude_unset=True)
    assert [t["token"] for t in choice["logprobs"]["content"]] == ["Hi", "!"]
    assert choice["content_filter_results"] == filters
    assert choice["message"]["content"] == "Hi!"


def test_the_chunks_own_fields_are_the_completions_but_a_streams_padding_is_not() -> None:
    chunks = [
        _chunk({"content": "Hi"}, system_fingerprint="fp_1", obfuscation="xyz"),
        _chunk({}, "stop", system_fingerprint="fp_1", service_tier="default", obfuscation="pq"),
    ]
    completion = joined(chunks).model_dump(exclude_unset=True)
    assert (completion["system_fingerprint"], completion["service_tier"]) == ("fp_1", "default")
    assert "obfuscation" not in completion


def test_a_completion_split_into_chunks_puts_every_field_in_its_delta_and_on_every_chunk() -> None:
    message = {"role": "assistant", "content": None, "refusal": "No.", "reasoning": "Because.", "annotations": []}
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        "system_fingerprint": "fp_1",
    }
    chunks = [c.model_dump(exclude_unset=True) for c in split(orjson.dumps(body))]
    assert chunks[0]["choices"][0]["delta"] == message
    assert "logprobs" in chunks[0]["choices"][0]
    assert all(chunk["system_fingerprint"] == "fp_1" for chunk in chunks)
    again = joined(split(orjson.dumps(body))).model_dump(exclude_unset=True)
    assert again["choices"][0]["message"] == message
