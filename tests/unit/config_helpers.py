"""What the catalog tests (test_config_*.py) share: a one-deployment catalog, and the error a catalog
text gives."""

from __future__ import annotations

import pytest

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError


def _one_deployment(deployment: str) -> str:
    """A catalog with one model `gpt` whose only deployment is the given YAML flow mapping."""
    return f"models:\n  gpt:\n    deployments:\n      - {deployment}\n"


def _error(text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_catalog(text, "strata.yaml", environ or {})
    return str(caught.value)
