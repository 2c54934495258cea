"""``strata config check`` refuses a semantic cache whose ``embedding_model`` is a remote chat
model, naming the file, the key and the problem, as it refuses one naming no model at all; the
gateway then never starts with a semantic cache that could not hit."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.integration.test_cli import clean_env, strata

CHAT = {"provider": "openai", "model": "gpt-4o-mini", "api_key": "${OPENAI_API_KEY}"}


def _write(folder: Path, embedding_model: str, **embedder: object) -> None:
    models = {
        "plain": {"deployments": [{**CHAT, **embedder}]},
        "cached": {"deployments": [CHAT], "cache": {"mode": "semantic", "embedding_model": embedding_model}},
    }
    (folder / "strata.yaml").write_text(yaml.safe_dump({"models": models}), encoding="utf-8")


def test_config_check_refuses_a_semantic_cache_embedding_with_a_chat_model(tmp_path: Path) -> None:
    env = clean_env(OPENAI_API_KEY="sk-x")
    _write(tmp_path, "nope")
    unknown = strata(["config", "check", "strata.yaml"], tmp_path, env)
    assert unknown.returncode != 0
    expected = "strata.yaml: models.cached.cache.embedding_model: no model named 'nope' in this catalog"
    assert unknown.stderr.strip() == expected

    _write(tmp_path, "plain")
    chat = strata(["config", "check", "strata.yaml"], tmp_path, env)
    assert chat.returncode != 0 and "OK" not in chat.stdout
    assert chat.stderr.strip().startswith(
        "strata.yaml: models.cached.cache.embedding_model: 'plain' answers chat, not embeddings"
    ), chat.stderr

    _write(tmp_path, "plain", embeddings=True)
    embeds = strata(["config", "check", "strata.yaml"], tmp_path, env)
    assert embeds.returncode == 0, embeds.stderr
