"""Embedding models on ONNX Runtime: torch's vectors, an export made once and kept, torch when it cannot serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from providers.local import embedder as embedder_module
from providers.local import onnx_encoder
from providers.local.config import LocalDeployment
from providers.local.embedder import Embedder
from providers.local.loading import LoadError
from providers.local.numpy_tokens import numpy_tokenizer
from tests.support.local_models import tiny_bert

pytestmark = pytest.mark.usefixtures("model_cache")  # tests/conftest.py

TEXTS = ["hello cat", "the dog sat on the mat and ran far away", "how are you today", "what is your name my fox"]


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, message: str, **fields: Any) -> None:
        self.lines.append((message, fields))

    def said(self, words: str) -> bool:
        return any(words in message for message, _ in self.lines)


@pytest.mark.parametrize("sentence_transformers", [False, True], ids=["transformers", "sentence-transformers"])
def test_onnx_runtime_embeds_as_torch_does_in_float32(tmp_path: Path, sentence_transformers: bool) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=sentence_transformers)
    fast = Embedder(folder, "cpu", "float32", Log())
    exact = Embedder(folder, "cpu", "float32", Log(), runtime="torch")
    assert (fast.runtime, fast.dtype) == ("onnx", torch.float32)
    got, counts = fast.encode(TEXTS)
    expected, expected_counts = exact.encode(TEXTS)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)
    assert counts == expected_counts
    assert (fast.dimensions, fast.max_length, fast.parameters) == (exact.dimensions, exact.max_length, exact.parameters)


@pytest.mark.parametrize("native_bf16", [True, False], ids=["bf16-cpu", "other-cpu"])
def test_auto_serves_small_passes_on_onnx_and_large_ones_on_torch_bf16_where_the_cpu_computes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, native_bf16: bool
) -> None:
    monkeypatch.setattr(embedder_module, "cpu_computes_bf16", lambda: native_bf16)
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    embedder = Embedder(folder, "cpu", "auto", Log())
    exact = Embedder(folder, "cpu", "float32", Log(), runtime="torch")
    small, large = embedder_module.ONNX_MAX_TOKENS, embedder_module.ONNX_MAX_TOKENS + 1
    if native_bf16:
        assert (embedder.runtime, embedder.dtype) == ("onnx+torch", torch.bfloat16)
        assert (embedder.runtime_for(small), embedder.runtime_for(large)) == ("onnx", "torch")
    else:
        assert (embedder.runtime, embedder.dtype) == ("onnx", torch.float32)
        assert embedder.runtime_for(10**6) == "onnx"
    many = TEXTS * 4  # past the limit: torch in bfloat16 where native
    cosine = torch.nn.functional.cosine_similarity(embedder.encode(many)[0], exact.encode(many)[0])
    assert bool((cosine > 0.999).all()), cosine
    torch.testing.assert_close(embedder.encode(TEXTS[:1])[0], exact.encode(TEXTS[:1])[0], atol=1e-5, rtol=0)


def test_the_export_is_kept_and_the_next_start_loads_it(tmp_path: Path, model_cache: Path) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    first, second = Log(), Log()
    Embedder(folder, "cpu", "auto", first)
    kept = sorted(model_cache.glob("*.onnx"))
    assert first.said("exporting") and [path.name.split(".", 1)[1] for path in kept] == ["onnx", "serve.onnx"]
    again = Embedder(folder, "cpu", "auto", second)
    assert again.runtime.startswith("onnx") and not second.said("exporting")
    assert sorted(model_cache.glob("*.onnx")) == kept


def test_a_damaged_cached_graph_is_exported_again(tmp_path: Path, model_cache: Path) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    Embedder(folder, "cpu", "auto", Log())
    [kept] = model_cache.glob("*.serve.onnx")
    kept.write_bytes(b"not a graph")
    log = Log()
    embedder = Embedder(folder, "cpu", "auto", log)
    assert embedder.runtime.startswith("onnx") and log.said("cannot serve: making it again")
    assert kept.stat().st_size > 1000


def test_an_unwritable_cache_still_serves_on_onnx_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(onnx_encoder.CACHE_DIR_ENV, str(blocker / "cache"))  # under a file: cannot be made
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    assert Embedder(folder, "cpu", "auto", Log()).runtime.startswith("onnx")


def test_a_model_onnx_runtime_cannot_serve_runs_on_torch_under_auto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> bytes:
        raise onnx_encoder.OnnxUnavailable("export failed: not exportable")

    exports: list[object] = []
    monkeypatch.setattr(onnx_encoder, "_export", lambda *args: exports.append(args) or refuse())
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    log = Log()
    embedder = Embedder(folder, "cpu", "auto", log)
    assert embedder.runtime == "torch" and log.said("torch serves it")
    assert len(exports) == 1 and not log.said("unfused graph")  # a failed export is not tried twice
    assert embedder.encode(TEXTS)[0].shape == (len(TEXTS), embedder.dimensions)
    with pytest.raises(LoadError, match="runtime onnx: export failed"):
        Embedder(folder, "cpu", "auto", Log(), runtime="onnx")


def test_a_graph_that_disagrees_with_torch_is_not_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = onnx_encoder.OnnxEncoder.encode
    monkeypatch.setattr(onnx_encoder.OnnxEncoder, "encode", lambda self, features: real(self, features) * 0.5)
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    log = Log()
    assert Embedder(folder, "cpu", "auto", log).runtime == "torch"
    assert log.said("torch serves it")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"dtype": "bfloat16"}, "dtype 'bfloat16'"),
        ({"dtype": "float16", "quantize": "int8"}, "dtype 'float16', quantize 'int8'"),
    ],
)
def test_runtime_onnx_is_refused_where_it_cannot_run(tmp_path: Path, fields: dict[str, str], problem: str) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    with pytest.raises(LoadError, match=problem):
        Embedder(folder, "cpu", fields.get("dtype", "auto"), Log(), fields.get("quantize", "none"), runtime="onnx")


def test_half_precision_stays_on_torch_under_auto(tmp_path: Path) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    assert Embedder(folder, "cpu", "bfloat16", Log()).runtime == "torch"


def test_int8_is_served_by_an_int8_graph_quantized_once_and_kept_beside_the_float32_one(
    tmp_path: Path, model_cache: Path
) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    first_log = Log()
    first = Embedder(folder, "cpu", "auto", first_log, "int8")
    exact = Embedder(folder, "cpu", "float32", Log(), runtime="torch")
    assert (first.runtime, first.dtype) == ("onnx", torch.float32)
    assert first_log.said("quantizing the embedding model to int8")
    assert first.weight_bytes < exact.weight_bytes  # (a tiny model: its embedding table, in float32, is most of it)
    graphs = sorted(p.name.split("-")[-1] for p in model_cache.glob("*.onnx"))
    assert [g.split(".", 1)[1] for g in graphs] == ["int8.onnx", "onnx"]
    later_log = Log()
    later = Embedder(folder, "cpu", "auto", later_log, "int8")
    assert not later_log.said("quantizing") and not later_log.said("exporting")
    got, counts = later.encode(TEXTS)
    expected, expected_counts = exact.encode(TEXTS)
    assert counts == expected_counts
    assert float(torch.nn.functional.cosine_similarity(got, expected).min()) >= 0.99
    # the same text alone and in a long batch: one runtime (activations are quantized per pass, so
    # the batch moves a vector, by far less than int8 itself does)
    alone, _ = later.encode(TEXTS[:1])
    batched, _ = later.encode(TEXTS[:1] + ["a much longer text " * 20] * 4)
    assert float(torch.nn.functional.cosine_similarity(alone, batched[:1]).min()) >= 0.9999


def test_an_int8_graph_too_far_from_float32_falls_back_to_torch_int8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from providers.local import onnx_int8

    monkeypatch.setattr(onnx_int8, "COSINE_AGREEMENT", 1.01)  # no int8 graph can pass
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    log = Log()
    int8 = Embedder(folder, "cpu", "auto", log, "int8")
    assert int8.runtime == "torch" and log.said("torch serves it") and log.said("quantized to int8")
    float32 = Embedder(folder, "cpu", "float32", Log(), runtime="torch")
    assert int8.weight_bytes < float32.weight_bytes
    with pytest.raises(LoadError, match="int8 vectors"):
        Embedder(folder, "cpu", "auto", Log(), "int8", runtime="onnx")


def test_a_chat_deployment_cannot_ask_for_onnx_runtime() -> None:
    with pytest.raises(ValueError, match="runtime onnx serves embeddings models"):
        LocalDeployment.model_validate({"provider": "local", "path": "/models/chat", "runtime": "onnx"})
    assert LocalDeployment.model_validate({"provider": "local", "path": "/m", "task": "embeddings"}).runtime == "auto"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"dtype": "float16"}, "leave out dtype: float16"),
        ({"dtype": "bfloat16"}, "leave out dtype: bfloat16"),
        ({"device": "cuda"}, "not on device 'cuda'"),
    ],
)
def test_an_onnx_embeddings_deployment_that_onnx_cannot_run_is_refused_when_the_catalog_is_read(
    fields: dict[str, str], named: str
) -> None:
    """It passed config check, then failed to load, and the model answered 503 without a reason."""
    body = {"provider": "local", "path": "/m", "task": "embeddings", "runtime": "onnx", **fields}
    with pytest.raises(ValueError, match=named):
        LocalDeployment.model_validate(body)
    for fine in ({"dtype": "float32"}, {"device": "cpu"}, {"quantize": "int8"}):
        LocalDeployment.model_validate(
            {"provider": "local", "path": "/m", "task": "embeddings", "runtime": "onnx", **fine}
        )


def test_a_new_version_of_a_model_replaces_its_kept_graph(tmp_path: Path, model_cache: Path) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    Embedder(folder, "cpu", "auto", Log())
    [first] = model_cache.glob("*.serve.onnx")
    tiny_bert(folder, sentence_transformers=True, seed=1)  # the same folder, other weights
    log = Log()
    embedder = Embedder(folder, "cpu", "auto", log)
    assert len(list(model_cache.glob("*.onnx"))) == 2  # the earlier version's graphs are gone
    [second] = model_cache.glob("*.serve.onnx")
    assert log.said("exporting") and second != first and embedder.runtime.startswith("onnx")


def _load_in_a_process(folder: str, cache: str, said: Any) -> None:
    import os

    os.environ[onnx_encoder.CACHE_DIR_ENV] = cache
    torch.set_num_threads(1)
    log = Log()
    embedder = Embedder(Path(folder), "cpu", "float32", log)
    said.put((embedder.runtime, [message for message, _ in log.lines]))


def test_gateway_processes_starting_together_export_a_model_once(tmp_path: Path, model_cache: Path) -> None:
    import multiprocessing

    folder = tiny_bert(tmp_path / "bert", sentence_transformers=True)
    context = multiprocessing.get_context("spawn")
    said = context.Queue()
    processes = [
        context.Process(target=_load_in_a_process, args=(str(folder), str(model_cache), said)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    results = [said.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
    assert [runtime for runtime, _ in results] == ["onnx", "onnx"]
    exports = [m for _, messages in results for m in messages if m.startswith("exporting")]
    assert len(exports) == 1, results
    assert len(list(model_cache.glob("*.serve.onnx"))) == 1


@pytest.mark.parametrize("sentence_transformers", [False, True], ids=["transformers", "sentence-transformers"])
def test_a_prompt_tokenized_without_torch_gets_the_same_vector(tmp_path: Path, sentence_transformers: bool) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=sentence_transformers)
    model = Embedder(folder, "cpu", "float32", Log())
    assert model.runtime == "onnx" and model._numpy_tokens is not None  # the probes agreed
    lean = model._numpy_tokens
    for texts in (TEXTS[:1], TEXTS[1:3], TEXTS, ["  padded with spaces  "], ["word " * 1000]):
        model._numpy_tokens = lean
        got, counts = model.encode(texts)
        model._numpy_tokens = None  # the model's own preprocessing, through torch tensors
        expected, expected_counts = model.encode(texts)
        assert torch.equal(got, expected) and counts == expected_counts, texts


def test_a_tokenizer_whose_ids_differ_from_the_models_own_is_not_used(tmp_path: Path) -> None:
    folder = tiny_bert(tmp_path / "bert", sentence_transformers=False)
    model = Embedder(folder, "cpu", "float32", Log())

    def shifted(texts: list[str]) -> dict[str, Any]:
        features = dict(model._prepare(texts))
        features["input_ids"] = features["input_ids"] + 1
        return features

    assert numpy_tokenizer(shifted, model.tokenizer, model.max_length, ["input_ids", "attention_mask"]) is None
    assert numpy_tokenizer(model._prepare, model.tokenizer, model.max_length, ["input_ids", "pixel_values"]) is None
