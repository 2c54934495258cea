"""int8 local models: what quantization changes (the weights' memory) and what it must not (the
batching engine's behaviour, and answers close to float32's)."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
import yaml

from gateway.config.catalog import parse_catalog
from gateway.config.errors import ConfigError
from providers.local.embedder import Embedder
from providers.local.loading import load_causal_lm, pick_device
from providers.local.quantize import QuantizeError, linearize_conv1d, quantize_int8, weight_bytes
from tests.support.local_models import tiny_bert, tiny_gpt2


def _quiet(*args: object, **fields: object) -> None:
    return None


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_gpt2(tmp_path_factory.mktemp("gpt2"))


@torch.inference_mode()
def test_gpt2_conv1d_layers_become_linear_with_identical_outputs(gpt2_folder: Path) -> None:
    from transformers import AutoModelForCausalLM
    from transformers.pytorch_utils import Conv1D

    model = AutoModelForCausalLM.from_pretrained(gpt2_folder, local_files_only=True).eval()
    ids = torch.tensor([[5, 9, 17, 23, 40, 41, 3]])
    before = model(ids).logits
    assert linearize_conv1d(model) == 8  # 2 layers x (qkv, attention out, MLP in, MLP out)
    assert not any(isinstance(m, Conv1D) for m in model.modules())
    assert torch.equal(model(ids).logits, before)


@torch.inference_mode()
def test_int8_quantizes_every_projection_and_takes_less_memory(gpt2_folder: Path) -> None:
    float32 = load_causal_lm(gpt2_folder, "cpu", "auto", None, _quiet)
    int8 = load_causal_lm(gpt2_folder, "cpu", "auto", None, _quiet, quantize="int8")
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    assert sum(isinstance(m, DynamicLinear) for m in int8.model.modules()) == 9  # 8 projections + the head
    assert int8.parameters == float32.parameters  # the model's size, not what remains a float parameter
    assert int8.weight_bytes < float32.weight_bytes


def test_int8_weight_bytes_match_the_serialised_weights(tmp_path: Path) -> None:
    """Packed int8 weights are not parameters; serialising them is an independent measure."""
    from providers.local.demo import build_gpt

    build_gpt(tmp_path, vocab_size=2048)  # the demo's shape, big enough that archive headers are noise
    float32 = load_causal_lm(tmp_path, "cpu", "auto", None, _quiet)
    int8 = load_causal_lm(tmp_path, "cpu", "auto", None, _quiet, quantize="int8")
    saved = io.BytesIO()
    torch.save(int8.model.state_dict(), saved)
    assert abs(int8.weight_bytes - len(saved.getvalue())) / len(saved.getvalue()) < 0.1
    assert int8.weight_bytes < float32.weight_bytes


def test_weight_bytes_counts_tied_embeddings_once(gpt2_folder: Path) -> None:
    lm = load_causal_lm(gpt2_folder, "cpu", "float32", None, _quiet)
    unique = sum(p.numel() for p in lm.model.parameters()) * 4  # parameters() lists a tied tensor once
    buffers = sum(b.numel() * b.element_size() for b in lm.model.buffers())
    assert weight_bytes(lm.model) == unique + buffers


def test_only_a_float32_cpu_model_is_quantized(gpt2_folder: Path) -> None:
    lm = load_causal_lm(gpt2_folder, "cpu", "bfloat16", None, _quiet)
    with pytest.raises(QuantizeError, match="float32 model on the CPU"):
        quantize_int8(lm.model)


def test_int8_on_auto_device_runs_on_the_cpu() -> None:
    assert pick_device("auto", "int8") == "cpu"


@torch.inference_mode()
def test_int8_next_token_choices_agree_with_float32_on_the_demo_model(tmp_path: Path) -> None:
    """Teacher-forced: at every position of random prompts, the int8 model's most likely next
    token is float32's (measured 0.996 of 256 positions); a wrong weight layout gives ~0."""
    from providers.local.demo import build_gpt

    build_gpt(tmp_path)
    float32 = load_causal_lm(tmp_path, "cpu", "auto", None, _quiet)
    int8 = load_causal_lm(tmp_path, "cpu", "auto", None, _quiet, quantize="int8")
    ids = torch.randint(12, len(float32.tokenizer), (8, 32), generator=torch.Generator().manual_seed(0))
    expected, got = float32.model(ids).logits, int8.model(ids).logits
    assert float((expected.argmax(-1) == got.argmax(-1)).float().mean()) >= 0.95
    assert float(torch.nn.functional.cosine_similarity(expected, got, dim=-1).min()) >= 0.99


@pytest.mark.parametrize("sentence_transformers", [False, True])
def test_int8_embeddings_stay_close_to_float32(tmp_path: Path, sentence_transformers: bool) -> None:
    folder = tiny_bert(tmp_path, sentence_transformers=sentence_transformers)
    float32 = Embedder(folder, "cpu", "float32", _quiet)
    int8 = Embedder(folder, "cpu", "auto", _quiet, quantize="int8")
    assert int8.dtype == torch.float32 and int8.weight_bytes < float32.weight_bytes
    texts = ["hello world", "the cat sat on the mat", "once upon a time there was a little fox who lived in forest"]
    a, _ = float32.encode(texts)
    b, counts = int8.encode(texts)
    assert counts == float32.encode(texts)[1]
    cosines = torch.nn.functional.cosine_similarity(a, b)
    assert float(cosines.min()) >= 0.99, cosines


def test_quantizing_a_copy_leaves_the_original_in_float32(gpt2_folder: Path) -> None:
    lm = load_causal_lm(gpt2_folder, "cpu", "auto", None, _quiet)
    copied = copy.deepcopy(lm.model)
    quantize_int8(copied)
    assert all(p.dtype == torch.float32 for p in lm.model.parameters())


def _catalog(**deployment: str) -> None:
    entry = {"provider": "local", "path": "/models/m", **deployment}
    parse_catalog(yaml.safe_dump({"models": {"m": {"deployments": [entry]}}}))


def test_int8_on_a_gpu_is_refused_at_load_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"models\.m\.deployments\[0\]\.quantize: .*CPU only.*'cuda:1'"):
        _catalog(quantize="int8", device="cuda:1")


def test_int8_with_a_half_precision_dtype_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"deployments\[0\]\.quantize: .*float32: leave out dtype: bfloat16"):
        _catalog(quantize="int8", dtype="bfloat16")


def test_unknown_dtype_or_quantization_is_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"deployments\[0\]\.dtype: Input should be"):
        _catalog(dtype="int4")
    with pytest.raises(ConfigError, match=r"deployments\[0\]\.quantize: Input should be 'none' or 'int8'"):
        _catalog(quantize="int4")


def test_int8_on_the_cpu_or_auto_device_is_accepted() -> None:
    _catalog(quantize="int8", device="cpu")
    _catalog(quantize="int8")
