"""Dynamic int8 quantization of a loaded model's linear layers, on the CPU, with torch's own tooling.

Weights are stored as int8 (one scale per output channel); activations stay float32 and are
quantized on the fly, per batch, by fbgemm's dynamic linear kernels. Why torch.ao's
``quantize_dynamic`` although torch 2.13 marks ``torch.ao.quantization`` deprecated in favour of
torchao: measured on a 2-core AMD EPYC (no AVX512-VNNI), a 768x3072 linear took 0.13 ms (1 row)
and 0.44 ms (8 rows) quantized vs 0.26 / 1.35 ms in float32, while the operators torchao builds
on for CPU (``torch._weight_int8pack_mm``, ``torch._int_mm``) took 2.5-75 ms: 10-500x slower than
float32. torchao itself is not installed and would add nothing on this path. The deprecation
warnings are silenced here, at the one call, and a torch without the API fails the load with a
message that says so.

GPT-2-style models compute their projections with transformers' ``Conv1D`` (``x @ W + b``, weight
stored ``[in, out]``), which ``quantize_dynamic`` does not know and would skip: those become
``nn.Linear`` with the transposed weight first (identical float outputs, tested), then quantize.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import torch

# fbgemm's per-channel scale (float) and zero point (int32) per output channel.
_CHANNEL_OVERHEAD_BYTES = 8


class QuantizeError(Exception):
    """The model cannot be quantized here; the message is meant for the operator."""


@dataclass(frozen=True, slots=True)
class Quantized:
    """What quantization changed: linear layers now int8, and Conv1D layers converted first."""

    linear_layers: int
    converted_conv1d: int


def linearize_conv1d(model: torch.nn.Module) -> int:
    """Replace every transformers ``Conv1D`` by an equivalent ``nn.Linear``; returns how many."""
    from transformers.pytorch_utils import Conv1D

    replaced = 0
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, Conv1D):
                setattr(parent, name, _as_linear(child))
                replaced += 1
    return replaced


def _as_linear(conv: Any) -> torch.nn.Linear:
    weight: torch.Tensor = conv.weight  # [in, out]
    linear = torch.nn.Linear(weight.shape[0], weight.shape[1], bias=conv.bias is not None)
    linear.to(device=weight.device, dtype=weight.dtype)
    with torch.no_grad():
        linear.weight.copy_(weight.t())
        if conv.bias is not None:
            linear.bias.copy_(conv.bias)
    return linear.train(conv.training)


def quantize_int8(model: torch.nn.Module) -> Quantized:
    """Quantize ``model``'s linear layers in place (the model must be float32 and on the CPU)."""
    first = next(model.parameters(), None)
    if first is not None and (first.device.type != "cpu" or first.dtype != torch.float32):
        raise QuantizeError(
            f"int8 dynamic quantization needs a float32 model on the CPU, not {first.dtype} on {first.device}"
        )
    try:
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    except ImportError:
        raise QuantizeError(
            f"this torch ({torch.__version__}) no longer has torch.ao.quantization.quantize_dynamic: "
            "quantize: int8 is not available with it"
        ) from None
    converted = linearize_conv1d(model)
    with warnings.catch_warnings():  # deprecation notices (see the module docstring), one call
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_(tensor|channel)", category=UserWarning)
        quantize_dynamic(  # type: ignore[no-untyped-call]  # torch.ao is untyped here
            model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True
        )
    return Quantized(linear_layers=len(_quantized_linears(model)), converted_conv1d=converted)


def _quantized_linears(model: torch.nn.Module) -> list[Any]:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    return [module for module in model.modules() if isinstance(module, DynamicLinear)]


def weight_bytes(model: torch.nn.Module) -> int:
    """Bytes the model's weights take in memory: parameters and buffers (shared storage counted
    once, so tied embeddings count once) plus int8 packed weights, which ``parameters()`` does not
    list: one byte a weight, their float biases and a scale and zero point per output channel."""
    seen: set[int] = set()
    total = 0
    for tensor in [*model.parameters(), *model.buffers()]:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in seen:
            seen.add(storage.data_ptr())
            total += storage.nbytes()
    for module in _quantized_linears(model):
        weight, bias = module._packed_params._weight_bias()
        total += weight.numel() * weight.element_size() + weight.shape[0] * _CHANNEL_OVERHEAD_BYTES
        total += 0 if bias is None else bias.numel() * bias.element_size()
    return total
