"""An operator's mistakes in the catalog and the environment are refused at start, naming what is
wrong; before, each of these was accepted and misbehaved later (a model silently dropped, a
traceback at the first start, an infinite deadline crashing the quota code, nobody able to log in)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from gateway.config.settings import Settings

ECHO = "{provider: echo}"


def test_a_model_given_twice_is_refused_not_silently_replaced() -> None:
    text = f"models:\n  dup:\n    deployments: [{ECHO}]\n  dup:\n    description: second\n    deployments: [{ECHO}]\n"
    with pytest.raises(ConfigError, match=r"the key 'dup' is given twice \(lines 2 and 4\)"):
        parse_catalog(text, "strata.yaml")


def test_a_setting_given_twice_inside_a_deployment_is_refused() -> None:
    text = "models:\n  m:\n    deployments:\n      - provider: echo\n        weight: 1\n        weight: 5\n"
    with pytest.raises(ConfigError, match="'weight' is given twice"):
        parse_catalog(text, "strata.yaml")


def test_yaml_merge_keys_still_merge() -> None:
    text = "models:\n  m:\n    deployments:\n      - &d {provider: echo, id: a}\n      - {<<: *d, id: b}\n"
    assert [d.id for d in parse_catalog(text).models["m"].deployments] == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    [
        "models:\n  m:\n    deployments: [{provider: echo, weight: .inf}]\n",
        "models:\n  m:\n    deployments: [{provider: echo, timeouts: {total: .inf}}]\n",
        f"models:\n  m:\n    routing: {{deadline_s: .inf}}\n    deployments: [{ECHO}]\n",
    ],
    ids=["weight", "timeout", "deadline"],
)
def test_infinite_or_not_a_number_values_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="finite number"):
        parse_catalog(text, "strata.yaml")


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("postgres://u:p@db:5432/strata", "postgresql+asyncpg://u:p@db:5432/strata"),
        ("sqlite:////var/lib/strata/strata.db", "sqlite+aiosqlite:////var/lib/strata/strata.db"),
        ("postgresql+asyncpg://u@db/strata", "postgresql+asyncpg://u@db/strata"),
    ],
)
def test_database_urls_are_served_by_the_async_drivers(url: str, kept: str) -> None:
    assert Settings(database_url=url).database_url == kept


@pytest.mark.parametrize("url", ["mysql://u@db/strata", "postgresql+psycopg2://u@db/strata", "not a url"])
def test_a_database_strata_cannot_use_is_refused_with_what_it_can(url: str) -> None:
    with pytest.raises(ValidationError, match="must be a PostgreSQL URL"):
        Settings(database_url=url)


def test_an_empty_master_key_or_a_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRATA_MASTER_KEY", "")
    with pytest.raises(ValidationError, match="is empty"):
        Settings()
    monkeypatch.setenv("STRATA_MASTER_KEY", "sk-1234")  # LiteLLM's examples' key: the operator's choice
    assert Settings().master_key is not None
    monkeypatch.setenv("STRATA_SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings()


@pytest.mark.parametrize(
    "deployment", ["{provider: echo}", "{provider: local, path: /models/gpt}"], ids=["echo", "local-chat"]
)
def test_a_semantic_cache_embedding_with_a_chat_model_is_refused(deployment: str) -> None:
    """The cache never hit (and a router sent everything one way), with only warnings in the log."""
    text = f"models:\n  chat:\n    deployments: [{deployment}]\n  m:\n    deployments: [{ECHO}]\n"
    text += "    cache: {mode: semantic, embedding_model: chat}\n"
    with pytest.raises(ConfigError, match="cache.embedding_model: 'chat' answers chat, not embeddings"):
        parse_catalog(text, "strata.yaml")
