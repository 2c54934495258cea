"""An embedding graph in int8: ONNX Runtime's dynamic quantization of its matrix products.

``quantize: int8`` on an embedding model served by ONNX Runtime. Each weight matrix is stored in
int8 with one scale per output channel; activations are quantized per pass. Where the CPU has
int8 dot-product instructions (AVX-512 VNNI, AMX) a 15-token prompt through all-MiniLM-L6-v2 takes
1.9 ms against 3.8 in float32 (Xeon, one thread, ``bench/embedding_runtime.py``); on an AVX2-only
EPYC it was seen, timed by hand, to run at float32's speed.
Its vectors are closer to float32's than torch's own dynamic int8 (``providers/local/quantize.py``):
least cosine 0.986 against 0.962 on the runtime bench's texts, because the scales are per channel
rather than per tensor.

The float32 graph is first folded by ONNX Runtime's basic optimisations: the exporter leaves a
Transpose between each weight and its MatMul, and the quantizer only reads weights that feed a
MatMul directly.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

COSINE_AGREEMENT = 0.97  # the least cosine to torch's float32 vectors an int8 graph may show, per probe


def quantized(graph: bytes) -> bytes:
    """The float32 graph with its weight matrices in int8 (per channel, symmetric)."""
    import onnxruntime as ort  # type: ignore[import-untyped]
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix="strata-int8-") as folder, _quantizer_quiet():
        folded, out = Path(folder) / "folded.onnx", Path(folder) / "int8.onnx"
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        options.log_severity_level = 3
        ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        quantize_dynamic(folded, out, weight_type=QuantType.QInt8, per_channel=True)
        return out.read_bytes()


def least_cosine(got: np.ndarray, expected: np.ndarray) -> float:
    """The smallest cosine between matching rows (unit vectors expected); -1 when shapes differ."""
    if got.shape != expected.shape:
        return -1.0
    norms = np.linalg.norm(got, axis=1) * np.linalg.norm(expected, axis=1)
    return float(np.min(np.sum(got * expected, axis=1) / np.maximum(norms, 1e-12)))


@contextlib.contextmanager
def _quantizer_quiet() -> Iterator[None]:
    """The quantizer warns on the root logger about shape inference it does not need here."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
