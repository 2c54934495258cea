"""The registry of compiled guardrails: cached calls ask nothing of the database, changes are seen
(at once when announced, within the TTL otherwise), and a guardrail that cannot be compiled or a
store that cannot be asked gives a clear error, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.config.errors import ConfigError
from gateway.errors import ServiceUnavailable
from gateway.guardrails import registry as registry_module
from gateway.guardrails.definition import GuardrailDefinition
from gateway.guardrails.errors import GuardrailNotFound
from gateway.guardrails.policies.base import Resources
from gateway.guardrails.registry import GuardrailRegistry, GuardrailUnusable
from gateway.guardrails.store import StoredVersion

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def words(*texts: str, name: str = "g") -> dict[str, Any]:
    return {
        "name": name,
        "wordPolicyConfig": {"wordsConfig": [{"text": t} for t in texts]},
        "blockedInputMessaging": "Blocked.",
        "blockedOutputsMessaging": "Blocked.",
    }


class FakeStore:
    """The store's ``load``, in memory, counting how often it is asked (the database round trips)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], StoredVersion] = {}
        self.loads = 0
        self.down = False
        self.delay = 0.0

    def put(self, gid: str, version: str, definition: Any, updated: datetime = T0) -> None:
        self.rows[(gid, version)] = StoredVersion(gid, version, definition, T0, updated)

    async def load(self, gid: str, version: str) -> StoredVersion | None:
        self.loads += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            raise OSError("connection refused")
        return self.rows.get((gid, version))


def registry(store: FakeStore, **options: Any) -> GuardrailRegistry:
    return GuardrailRegistry(store, Resources(), **options)  # type: ignore[arg-type]


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def texts(compiled: Any) -> list[str]:
    return [w.text for w in compiled.definition.wordPolicyConfig.wordsConfig]


def test_a_cached_guardrail_costs_no_database_query() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    guardrails = registry(store)

    async def scenario() -> None:
        first = await guardrails.get("abc123", "DRAFT")
        for _ in range(100):
            assert await guardrails.get("abc123", "DRAFT") is first
        assert store.loads == 1
        assert first.guardrail_id == "abc123" and first.version == "DRAFT"
        assert first.input_checks and first.output_checks

    run(scenario)


def test_an_arn_names_the_same_guardrail_as_its_id() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    store.put("abc123", "1", words("alpha"))
    guardrails = registry(store)

    async def scenario() -> None:
        by_arn = await guardrails.get("arn:aws:bedrock:eu-west-3:000000000000:guardrail/abc123", "1")
        assert by_arn is await guardrails.get("abc123", "1")
        assert await guardrails.known("arn:aws:bedrock:us-east-1:000000000000:guardrail/abc123")

    run(scenario)


def test_unknown_guardrails_and_versions_are_not_found_and_remembered_briefly() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    guardrails = registry(store)

    async def scenario() -> None:
        for identifier, version in [("nope", "DRAFT"), ("abc123", "7"), ("abc123", "latest")]:
            for _ in range(20):
                with pytest.raises(GuardrailNotFound):
                    await guardrails.get(identifier, version)
        assert store.loads == 2, "each unknown (id, version) asked once; a version that cannot exist never"
        assert not await guardrails.known("nope")
        assert not await guardrails.exists("abc123", "7")
        assert await guardrails.exists("abc123")

    run(scenario)


def test_callers_missing_at_once_share_one_load() -> None:
    store = FakeStore()
    store.delay = 0.05
    store.put("abc123", "DRAFT", words("alpha"))
    guardrails = registry(store)

    async def scenario() -> None:
        found = await asyncio.gather(*(guardrails.get("abc123", "DRAFT") for _ in range(20)))
        assert store.loads == 1
        assert all(f is found[0] for f in found)

    run(scenario)


def test_a_change_announced_here_is_seen_by_the_next_call() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    guardrails = registry(store, draft_ttl_s=300)

    async def scenario() -> None:
        assert texts(await guardrails.get("abc123", "DRAFT")) == ["alpha"]
        store.put("abc123", "DRAFT", words("beta"), updated=T0 + timedelta(seconds=1))
        assert texts(await guardrails.get("abc123", "DRAFT")) == ["alpha"], "cached for the TTL"
        await guardrails.changed("abc123")
        assert texts(await guardrails.get("abc123", "DRAFT")) == ["beta"]

    run(scenario)


def test_a_draft_changed_elsewhere_is_seen_after_its_ttl_without_waiting_on_the_database() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    guardrails = registry(store, draft_ttl_s=0.05)

    async def scenario() -> None:
        first = await guardrails.get("abc123", "DRAFT")
        await asyncio.sleep(0.1)
        assert await guardrails.get("abc123", "DRAFT") is first, "the stale entry serves while it is checked"
        await asyncio.sleep(0.01)
        assert await guardrails.get("abc123", "DRAFT") is first, "unchanged: not compiled again"
        store.put("abc123", "DRAFT", words("beta"), updated=T0 + timedelta(seconds=1))
        await asyncio.sleep(0.1)
        await guardrails.get("abc123", "DRAFT")  # starts the check
        await asyncio.sleep(0.01)
        assert texts(await guardrails.get("abc123", "DRAFT")) == ["beta"]
        await guardrails.aclose()

    run(scenario)


def test_numbered_versions_are_not_asked_again_within_their_long_ttl() -> None:
    store = FakeStore()
    store.put("abc123", "1", words("alpha"))
    guardrails = registry(store, draft_ttl_s=0.01)

    async def scenario() -> None:
        await guardrails.get("abc123", "1")
        await asyncio.sleep(0.05)
        await guardrails.get("abc123", "1")
        await asyncio.sleep(0.01)
        assert store.loads == 1

    run(scenario)


def test_a_deleted_version_stops_being_served_after_its_ttl() -> None:
    store = FakeStore()
    store.put("abc123", "1", words("alpha"))
    guardrails = registry(store, version_ttl_s=0.05)

    async def scenario() -> None:
        await guardrails.get("abc123", "1")
        del store.rows[("abc123", "1")]
        await asyncio.sleep(0.1)
        await guardrails.get("abc123", "1")  # stale, while it is checked
        await asyncio.sleep(0.01)
        with pytest.raises(GuardrailNotFound):
            await guardrails.get("abc123", "1")

    run(scenario)


def test_a_guardrail_that_cannot_be_compiled_is_unusable_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_embedder(*args: Any) -> Any:
        raise RuntimeError("the topics policy needs an embedding model and none is configured")

    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    store.put("bad", "DRAFT", {"name": "bad"})  # edited by hand: no blocked messages
    monkeypatch.setattr(registry_module, "compile_guardrail", no_embedder)
    guardrails = registry(store)

    async def scenario() -> None:
        for _ in range(3):
            with pytest.raises(GuardrailUnusable, match="needs an embedding model") as caught:
                await guardrails.get("abc123", "DRAFT")
        assert caught.value.status == 400
        assert store.loads == 1, "the failure is cached too: not compiled again on every call"
        assert await guardrails.status("abc123", "DRAFT") == (
            "FAILED",
            ["the topics policy needs an embedding model and none is configured"],
        )
        with pytest.raises(GuardrailUnusable, match="stored definition is not valid"):
            await guardrails.get("bad", "DRAFT")

    run(scenario)


def test_a_store_that_cannot_be_asked_is_a_503_and_cached_guardrails_keep_serving() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    guardrails = registry(store, draft_ttl_s=0.01)

    async def scenario() -> None:
        first = await guardrails.get("abc123", "DRAFT")
        store.down = True
        with pytest.raises(ServiceUnavailable):
            await guardrails.get("other", "DRAFT")
        for _ in range(5):
            await asyncio.sleep(0.02)
            assert await guardrails.get("abc123", "DRAFT") is first

    run(scenario)


def test_the_configs_guardrails_are_compiled_at_start_as_draft_and_version_1() -> None:
    store = FakeStore()
    configured = {"no-foo": GuardrailDefinition.model_validate(words("foo", name="no-foo"))}
    guardrails = registry(store, configured=configured)

    async def scenario() -> None:
        await guardrails.start()
        draft, one = await guardrails.get("no-foo", "DRAFT"), await guardrails.get("no-foo", "1")
        assert (draft.version, one.version) == ("DRAFT", "1")
        with pytest.raises(GuardrailNotFound):
            await guardrails.get("no-foo", "2")
        assert await guardrails.exists("no-foo", "1") and not await guardrails.exists("no-foo", "2")
        assert store.loads == 0
        await guardrails.aclose()

    run(scenario)


def test_a_config_guardrail_that_cannot_be_compiled_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_built(*args: Any) -> Any:
        raise ValueError("the token-classification model at /models/ner does not exist")

    monkeypatch.setattr(registry_module, "compile_guardrail", not_built)
    configured = {"topical": GuardrailDefinition.model_validate(words("foo", name="topical"))}
    guardrails = registry(FakeStore(), configured=configured)
    with pytest.raises(
        ConfigError, match=r"guardrails\.topical: cannot be compiled: the token-classification model at /models/ner"
    ):
        run(guardrails.start)


def test_model_defaults_naming_no_guardrail_are_a_config_error() -> None:
    store = FakeStore()
    store.put("abc123", "DRAFT", words("alpha"))
    store.put("abc123", "1", words("alpha"))
    guardrails = registry(store)
    ok = [("models.a.guardrails[0]", "abc123"), ("models.a.guardrails[1]", "abc123:1")]
    bad = [("models.b.guardrails[0]", "abc123:2"), ("models.b.guardrails[1]", "ghost")]

    async def scenario() -> None:
        await guardrails.check_references(ok)
        with pytest.raises(ConfigError) as caught:
            await guardrails.check_references(ok + bad)
        assert "models.b.guardrails[0]: no guardrail 'abc123:2'" in str(caught.value)
        assert "models.b.guardrails[1]: no guardrail 'ghost'" in str(caught.value)

    run(scenario)


def test_random_unknown_ids_do_not_grow_the_cache_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "MAX_UNKNOWN", 50)
    store = FakeStore()
    guardrails = registry(store)

    async def scenario() -> None:
        for i in range(500):
            with pytest.raises(GuardrailNotFound):
                await guardrails.get(f"random{i}", "DRAFT")
        assert len(guardrails._unknown) == 50
        with pytest.raises(GuardrailNotFound):
            await guardrails.get("random499", "DRAFT")
        assert store.loads == 500, "the latest unknown ids are still remembered"

    run(scenario)
