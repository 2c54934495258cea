"""ONNX Runtime's fused transformer operators in an exported float32 encoder graph.

torch's exporter writes each layer's attention as a scaled dot product spelt out in a dozen small
operators (transposes, the mask's arithmetic, a softmax), and each residual add and layer norm as
two. ONNX Runtime has CPU kernels for the fused forms (its ``com.microsoft`` Attention,
SkipLayerNormalization and BiasGelu), and onnxscript's rewriter (``ort_fusions``) knows the
exporter's patterns. all-MiniLM-L6-v2 goes from 638 operators to 91, vectors within 2e-7 of the
unfused graph's: 1.05-1.15x on one short prompt and 1.3x on long texts on one thread
(``bench/embedding_runtime.py``). Fewer, larger operators also let a second thread pay: each
operator is a parallel region whose threads meet at its end.

Only the float32 graph that is served as it is: int8 quantizes the unfused graph (ONNX Runtime's
int8 Attention ran 1.3x slower than the int8 graph of the unfused one, timed by hand).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path


def fused(graph: bytes) -> bytes | None:
    """``graph`` with attention, skip layer norms and GELU fused; None where nothing was fused or the
    rewriter failed (the caller serves the unfused graph, as before). Seconds of work: done once,
    at export, and kept."""
    try:
        import onnx_ir as ir
        import onnxscript.optimizer
        from onnxscript.rewriter.ort_fusions import optimize_for_ort
    except ImportError:
        return None
    quiet = logging.getLogger("onnxscript")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with tempfile.TemporaryDirectory(prefix="strata-fuse-") as folder:
            source, out = Path(folder) / "graph.onnx", Path(folder) / "fused.onnx"
            source.write_bytes(graph)
            model = ir.load(os.fspath(source))
            onnxscript.optimizer.optimize(model)
            model, counts = optimize_for_ort(model)
            if not counts.get("attention") and not counts.get("skip_layer_normalization"):
                return None
            ir.save(model, os.fspath(out))
            return out.read_bytes()
    except Exception:  # the rewriter on a graph it does not know: the unfused graph serves
        return None
    finally:
        quiet.setLevel(level)
