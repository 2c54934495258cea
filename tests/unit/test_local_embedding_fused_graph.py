"""The graph ONNX Runtime serves: attention and layer norms fused into its own operators, torch's
vectors all the same; and a lone short prompt spread over every core."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import onnx
import pytest
import torch

from providers.local import embedder as embedder_module
from providers.local import onnx_fusion
from providers.local.embedder import Embedder
from tests.support.local_models import tiny_bert

pytestmark = pytest.mark.usefixtures("model_cache")  # tests/conftest.py

TEXTS = ["hello cat", "the dog sat on the mat and ran far away", "how are you today", "what is your name my fox"]


def _quiet(message: str, **fields: object) -> None:
    pass


def _operators(path: Path) -> Counter[str]:
    return Counter(node.op_type for node in onnx.load(path).graph.node)


def test_the_served_graph_runs_fused_attention_with_the_exported_graphs_vectors(
    tmp_path: Path, model_cache: Path
) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    served = Embedder(folder, "cpu", "float32", _quiet)
    exact = Embedder(folder, "cpu", "float32", _quiet, runtime="torch")
    [plain] = (p for p in model_cache.glob("*.onnx") if p.name.count(".") == 1)
    [fused] = model_cache.glob("*.serve.onnx")
    fused_ops, plain_ops = _operators(fused), _operators(plain)
    assert fused_ops["Attention"] >= 1 and fused_ops["SkipLayerNormalization"] >= 1, fused_ops
    assert "Attention" not in plain_ops
    assert sum(fused_ops.values()) < sum(plain_ops.values()) / 2
    got, _ = served.encode(TEXTS)
    torch.testing.assert_close(got, exact.encode(TEXTS)[0], atol=1e-5, rtol=0)


def test_a_graph_the_rewriter_cannot_fuse_is_served_unfused(
    tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(onnx_fusion, "fused", lambda graph: None)
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    served = Embedder(folder, "cpu", "float32", _quiet)
    exact = Embedder(folder, "cpu", "float32", _quiet, runtime="torch")
    assert served.runtime == "onnx"
    [kept] = model_cache.glob("*.serve.onnx")
    assert "Attention" not in _operators(kept)
    torch.testing.assert_close(served.encode(TEXTS)[0], exact.encode(TEXTS)[0], atol=1e-5, rtol=0)


def test_a_fused_graph_that_disagrees_with_torch_gives_way_to_the_unfused_one(
    tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tiny_bert(tmp_path / "other", sentence_transformers=True, seed=1)
    Embedder(other, "cpu", "float32", _quiet)
    [wrong] = model_cache.glob("other-*.serve.onnx")  # another model's weights: other vectors
    monkeypatch.setattr(onnx_fusion, "fused", lambda graph: wrong.read_bytes())
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    said: list[str] = []
    served = Embedder(folder, "cpu", "float32", lambda message, **fields: said.append(message))
    exact = Embedder(folder, "cpu", "float32", _quiet, runtime="torch")
    assert served.runtime == "onnx"
    assert any("unfused graph" in message for message in said), said
    torch.testing.assert_close(served.encode(TEXTS)[0], exact.encode(TEXTS)[0], atol=1e-5, rtol=0)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: nothing to spread a prompt over")
def test_a_lone_short_prompt_is_spread_over_every_core_where_larger_passes_go_to_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedder_module, "cpu_computes_bf16", lambda: True)
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    split = Embedder(folder, "cpu", "auto", _quiet, threads=1)
    assert split.runtime == "onnx+torch"
    spread = min(os.cpu_count() or 1, embedder_module.LONE_PASS_THREADS)
    assert split._onnx.session.get_session_options().intra_op_num_threads == spread
    assert torch.get_num_threads() == 1  # torch's passes, the ones that come with load, keep their one thread
    for every_pass in (
        Embedder(folder, "cpu", "float32", _quiet, threads=1),  # ONNX Runtime serves every pass
        Embedder(folder, "cpu", "auto", _quiet, "int8", threads=1),  # int8: two threads measured slower
    ):
        assert every_pass._onnx.session.get_session_options().intra_op_num_threads == 1
