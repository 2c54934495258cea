"""The response cache's parts on their own: keys, the byte-bounded LRU, entries, replays, headers."""

from __future__ import annotations

import asyncio

import pytest

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.errors import InvalidRequest
from gateway.services.cache.directives import NO_READ, NO_STORE, ONLY_IF_CACHED, parse_directives
from gateway.services.cache.entry import BadEntry, CacheEntry
from gateway.services.cache.keys import exact_key, scope_of, semantic_partition
from gateway.services.cache.memory import MemoryStore
from gateway.services.cache.replay import joined, split
from gateway.services.context import Principal
from providers.canonical import ChatCompletion, ChatCompletionRequest


def request(**fields: object) -> ChatCompletionRequest:
    body = {"model": "asked-name", "messages": [{"role": "user", "content": "Hi"}], "temperature": 0, **fields}
    return ChatCompletionRequest.model_validate(body)


def test_keys_ignore_what_cannot_change_the_answer_and_keep_the_rest() -> None:
    base = exact_key("m", "shared", request(), [])
    assert exact_key("m", "shared", request(user="u", stream=True, metadata={"a": "b"}), []) == base
    assert exact_key("m", "shared", request(model="other-alias"), []) == base  # the public model decides
    assert exact_key("m", "shared", request(temperature=0.5), []) != base
    assert exact_key("m", "shared", request(response_format={"type": "json_object"}), []) != base
    assert exact_key("m2", "shared", request(), []) != base
    assert exact_key("m", "t.a", request(), []) != base


def test_log_probabilities_keep_stream_and_non_stream_apart() -> None:
    streamed = exact_key("m", "s", request(logprobs=True, stream=True), [])
    assert exact_key("m", "s", request(logprobs=True), []) != streamed


def test_scopes_are_the_team_else_the_key_unless_shared() -> None:
    assert scope_of(Principal("k1", team_id="team:1"), False) == "t.team%3A1"  # no ':' inside a scope
    assert scope_of(Principal("k1"), False) == "k.k1"
    assert scope_of(Principal("k1", team_id="x"), True) == "shared"


def test_a_semantic_partition_ignores_only_the_last_user_message() -> None:
    one = semantic_partition("m", "s", request(messages=[{"role": "user", "content": "a"}]), [], 0)
    two = semantic_partition("m", "s", request(messages=[{"role": "user", "content": "b"}]), [], 0)
    system = [{"role": "system", "content": "other"}, {"role": "user", "content": "a"}]
    assert one == two != semantic_partition("m", "s", request(messages=system), [], 1)


def test_the_memory_store_evicts_the_least_recently_used_within_its_bytes() -> None:
    async def main() -> None:
        store = MemoryStore(max_bytes=3 * (len("strata:cache:m:s:a") + 100 + 120))
        for name in "abc":
            await store.put(f"strata:cache:m:s:{name}", b"x" * 100, 60)
        assert await store.get("strata:cache:m:s:a") is not None  # a is now the most recent
        await store.put("strata:cache:m:s:d", b"x" * 100, 60)
        assert await store.get("strata:cache:m:s:b") is None
        assert store.bytes <= store.max_bytes and len(store) == 3
        assert await store.delete("m", None) == 3

    asyncio.run(main())


def test_the_memory_store_honours_ttls() -> None:
    now = [100.0]
    store = MemoryStore(1 << 20, clock=lambda: now[0])

    async def main() -> None:
        await store.put("strata:cache:m:s:a", b"v", 5)
        assert await store.get("strata:cache:m:s:a") == b"v"
        now[0] += 5
        assert await store.get("strata:cache:m:s:a") is None

    asyncio.run(main())


def test_an_entry_round_trips_and_foreign_bytes_are_refused() -> None:
    entry = CacheEntry("completion", b'{"a": "line\\nbreak"}', "m", "m/0", 3, 4, 1, "0.00001", 12.5)
    assert CacheEntry.decode(entry.encode()) == entry
    with pytest.raises(BadEntry):
        CacheEntry.decode(b"not an entry")


def test_a_completion_split_into_chunks_joins_back_into_it() -> None:
    completion = ChatCompletion.model_validate(
        {
            "id": "c1",
            "created": 1,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"},
                {
                    "index": 1,
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [{"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
                    },
                    "finish_reason": "tool_calls",
                },
            ],
            "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
        }
    )
    back = joined(split(completion.model_dump_json().encode()))
    assert back.model_dump(exclude={"id"}) == completion.model_dump(exclude={"id"})


def test_cache_directives() -> None:
    assert parse_directives("no-cache") == NO_READ
    assert parse_directives("No-Store, only-if-cached") == NO_STORE | ONLY_IF_CACHED
    assert parse_directives("bypass") == NO_READ | NO_STORE
    with pytest.raises(InvalidRequest):
        parse_directives("later")
    with pytest.raises(InvalidRequest):
        parse_directives("no-cache, only-if-cached")


def test_a_semantic_cache_must_name_an_embedding_model_of_the_catalog() -> None:
    text = "models:\n  m:\n    deployments: [{provider: echo}]\n    cache: {mode: semantic, embedding_model: nope}\n"
    with pytest.raises(ConfigError) as caught:
        parse_catalog(text, "strata.yaml", {})
    assert str(caught.value) == "strata.yaml: models.m.cache.embedding_model: no model named 'nope' in this catalog"
    embedded = text.replace(", embedding_model: nope", "")
    assert parse_catalog(embedded, "strata.yaml", {}).models["m"].cache is not None  # the embedded MiniLM


def test_a_reference_naming_an_alias_says_so_and_names_the_model() -> None:
    text = (
        "models:\n  e:\n    deployments: [{provider: echo}]\n    aliases: [ea]\n"
        "  m:\n    deployments: [{provider: echo}]\n    routing: {fallbacks: [ea]}\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_catalog(text, "strata.yaml", {})
    assert str(caught.value) == (
        "strata.yaml: models.m.routing.fallbacks[0]: 'ea' is an alias of 'e': name the model itself here"
    )
