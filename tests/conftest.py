"""Session-wide test setup."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_MODEL_CACHE = "STRATA_MODEL_CACHE_DIR"
# One guardrail embedding worker per test gateway (the default is two on two cores): dozens of
# gateways start one, and a second ~700 MB process each buys a test nothing;
# tests/integration/test_guardrail_embedder_workers.py runs two on purpose.
os.environ.setdefault("STRATA_GUARDRAIL_EMBEDDING_WORKERS", "1")


def pytest_configure(config: pytest.Config) -> None:
    """Local embedding models' ONNX graphs (providers/local/onnx_encoder.py) go to a directory of
    this session, shared by every gateway it starts, not to the user's ~/.cache: tests make many
    tiny models whose graphs nobody needs afterwards."""
    if _MODEL_CACHE not in os.environ:
        os.environ[_MODEL_CACHE] = tempfile.mkdtemp(prefix="strata-test-models-")
        config.stash[_cache_key] = os.environ[_MODEL_CACHE]


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_cache_key, None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop(_MODEL_CACHE, None)


_cache_key = pytest.StashKey[str]()


@pytest.fixture(autouse=True)
def _forget_pii_scans() -> Iterator[None]:
    """Each test's PII scans are its own: a test that swaps a detector or a class must not be
    answered from the memo of a scan an earlier test made (gateway/guardrails/text_memo.py)."""
    from gateway.guardrails.text_memo import CHECKED

    CHECKED.clear()
    yield


@pytest.fixture
def model_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A model cache directory of the test's own (an exported graph is never shared between tests),
    and torch on one thread, as a worker runs. For the tests that load embedding models."""
    import torch

    from providers.local import onnx_encoder

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    folder = tmp_path / "model-cache"
    monkeypatch.setenv(onnx_encoder.CACHE_DIR_ENV, str(folder))
    yield folder
    torch.set_num_threads(before)
