"""The route table decides, once per request, which surface a path belongs to (its error shape,
its usage records' `surface`) and whether it is a model call (one usage record)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.config.catalog import parse_catalog
from gateway.config.settings import Settings

ECHO = "models:\n  m:\n    deployments:\n      - provider: echo\n"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> object:
    data_dir: Path = tmp_path_factory.mktemp("data")
    return create_app(Settings(data_dir=data_dir), parse_catalog(ECHO), "sk-test-master-key-123")


@pytest.mark.parametrize(
    ("method", "path", "surface", "model_call"),
    [
        ("POST", "/v1/chat/completions", "openai", True),
        ("POST", "/v1/embeddings", "openai", True),
        ("POST", "/v1/completions", "openai", True),
        ("POST", "/v1/responses", "openai", True),
        ("GET", "/v1/responses/resp_1", "openai", False),  # a stored response: no model call
        ("DELETE", "/v1/responses/resp_1", "openai", False),
        ("POST", "/v1/edits", "openai", False),  # not served: a 404 in OpenAI's shape, no record
        ("GET", "/v1/chat/completions", "openai", False),  # a 405, not a model call
        ("GET", "/v1/models", "openai", False),
        ("POST", "/model/anthropic.claude-3/converse", "bedrock", True),
        ("POST", "/model/x/converse-stream", "bedrock", True),
        ("POST", "/model/x/invoke", "bedrock", True),
        ("POST", "/model/x/invoke-with-response-stream", "bedrock", True),
        ("POST", "/model/x/count-tokens", "bedrock", False),
        ("POST", "/model/x/unknown-operation", "bedrock", False),
        ("GET", "/foundation-models", "bedrock", False),
        ("POST", "/admin/keys", "admin", False),
        ("GET", "/admin/usage/totals", "admin", False),
        ("GET", "/health/ready", "other", False),
        ("GET", "/nowhere", "other", False),
    ],
)
def test_each_path_has_one_surface_and_model_calls_are_known(
    app: object, method: str, path: str, surface: str, model_call: bool
) -> None:
    match = app.routes_table.match(method, path)  # type: ignore[attr-defined]
    assert (match.surface, match.model_call) == (surface, model_call)
