"""The key cache: unknown keys are remembered (so a bad key cannot hammer the database), but only so
many, so a client sending random keys cannot grow the gateway's memory without end."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from gateway.errors import AuthenticationFailed
from gateway.services.keys import directory as directory_module
from gateway.services.keys.directory import KeyDirectory


class NoKeys:
    """A repository that knows no key, and counts how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def lookup_hash(self, key: str) -> str:
        return "h-" + key

    async def by_hash(self, digest: str) -> Any:
        self.asked += 1
        return None


def test_random_keys_do_not_grow_the_cache_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directory_module, "MAX_UNKNOWN_KEYS", 100)
    repository = NoKeys()
    keys = KeyDirectory(repository, unknown_ttl_s=60)  # type: ignore[arg-type]

    async def scenario() -> None:
        for _ in range(1_000):
            with pytest.raises(AuthenticationFailed):
                await keys.principal_for("sk-" + secrets.token_hex(8))
        assert len(keys._entries) == 100
        repeated = "sk-the-same-bad-key"
        for _ in range(50):
            with pytest.raises(AuthenticationFailed):
                await keys.principal_for(repeated)
        assert repository.asked == 1_001, "a repeated bad key is answered from the cache"
        await keys.aclose()

    asyncio.run(scenario())
