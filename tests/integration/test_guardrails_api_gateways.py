"""A guardrail changed on one gateway is seen by another gateway's compiled copy: within a second
with Redis announcing changes, within a few seconds without."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from gateway.lifespan import AppState
from tests.integration.conftest import StartGateway, require_redis
from tests.integration.guardrail_api_helpers import CONFIG, MESSAGES, create, on_gateway
from tests.support import postgres
from tests.support.bedrock import isolate_aws_environment, sigv4_client
from tests.support.gateway import RunningGateway


def _words_on(gateway: RunningGateway, gid: str) -> list[str]:
    async def ask(state: AppState) -> list[str]:
        compiled = await state.guardrails.get(gid, "DRAFT")
        config = compiled.definition.wordPolicyConfig
        assert config is not None and config.wordsConfig is not None
        return [w.text for w in config.wordsConfig]

    return on_gateway(gateway, ask)


def _seen_within(gateway: RunningGateway, gid: str, expected: list[str], seconds: float) -> float:
    started = time.monotonic()
    while _words_on(gateway, gid) != expected:
        assert time.monotonic() - started < seconds, f"not seen within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


def _update_words(control: Any, gid: str, word: str) -> None:
    name = control.get_guardrail(guardrailIdentifier=gid)["name"]
    control.update_guardrail(
        guardrailIdentifier=gid, name=name, **MESSAGES, wordPolicyConfig={"wordsConfig": [{"text": word}]}
    )


def test_with_redis_an_update_on_one_gateway_is_seen_by_anothers_registry_within_a_second(
    start_gateway: StartGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redis_url = require_redis("redis://127.0.0.1:6379/11")
    isolate_aws_environment(monkeypatch)
    with postgres.migrated_database("strata_guardrails") as url:
        shared = {"database_url": url, "redis_url": redis_url, "data_dir": tmp_path / "shared"}  # one secret key
        first, second = start_gateway(CONFIG, {}, **shared), start_gateway(CONFIG, {}, **shared)
        on_gateway(second, _long_ttl)  # so that only the announcement can explain seeing it in time
        with closing(sigv4_client("bedrock", first)) as control:
            gid = create(control, {"wordPolicyConfig": {"wordsConfig": [{"text": "alpha"}]}})["guardrailId"]
            assert _words_on(second, gid) == ["alpha"]
            _update_words(control, gid, "beta")
            _seen_within(second, gid, ["beta"], 1.0)
            control.delete_guardrail(guardrailIdentifier=gid)
        deadline = time.monotonic() + 1.0
        while True:
            try:
                _words_on(second, gid)
            except Exception as exc:  # GuardrailNotFound, raised on the gateway's loop
                assert type(exc).__name__ == "GuardrailNotFound"
                break
            assert time.monotonic() < deadline, "a deleted guardrail kept being served"
            time.sleep(0.02)


async def _long_ttl(state: AppState) -> None:
    state.guardrails.draft_ttl_s = 300


def test_without_redis_an_update_is_seen_by_another_gateway_within_a_few_seconds(
    start_gateway: StartGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_aws_environment(monkeypatch)
    shared = {"data_dir": tmp_path / "shared"}
    first, second = start_gateway(CONFIG, {}, **shared), start_gateway(CONFIG, {}, **shared)
    with closing(sigv4_client("bedrock", first)) as control:
        gid = create(control, {"wordPolicyConfig": {"wordsConfig": [{"text": "alpha"}]}})["guardrailId"]
        assert _words_on(second, gid) == ["alpha"]
        _update_words(control, gid, "beta")
        _seen_within(second, gid, ["beta"], 5.0)
