"""Embeddings as matrices, and a check's fixed texts embedded once, on first use.

The embedder is called once per ``detect``: on the first call a check's own texts (topic examples,
the seed set) travel in the same batch as the text being checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from gateway.blas import one_blas_thread
from gateway.guardrails.policies.base import Embedder

one_blas_thread()  # small products on the event loop (gateway/blas.py)

Matrix = npt.NDArray[np.float32]
DIMENSIONS_UNKNOWN = 0


def matrix(vectors: Sequence[Sequence[float]]) -> Matrix:
    """Rows of unit-length vectors (renormalised: an embedder's rounding must not skew cosines)."""
    if not vectors:
        return np.zeros((0, DIMENSIONS_UNKNOWN), dtype=np.float32)
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    normalised: Matrix = rows / np.maximum(norms, 1e-12)
    return normalised


def similarities(a: Matrix, b: Matrix) -> Matrix:
    """Cosine similarity of every row of ``a`` with every row of ``b``."""
    if a.shape[0] == 0 or b.shape[0] == 0:
        return np.zeros((a.shape[0], b.shape[0]), dtype=np.float32)
    product: Matrix = a @ b.T
    return product


class FixedTexts:
    """Texts a check compares against (topic examples, seeds), embedded once, lazily: a lock makes
    concurrent first calls embed them once; a failed embedding is retried by the next call."""

    def __init__(self, embedder: Embedder, texts: Sequence[str]) -> None:
        self.embedder = embedder
        self.texts = list(texts)
        self._vectors: Matrix | None = None
        self._lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self._vectors is not None

    async def prepare(self) -> None:
        """Embed the fixed texts now (when a guardrail is loaded), not on its first request."""
        await self.embed_with([])

    async def embed_with(self, texts: Sequence[str]) -> tuple[Matrix, Matrix]:
        """The fixed texts' vectors and those of ``texts``, in one call to the embedder."""
        if self._vectors is None:
            async with self._lock:
                if self._vectors is None:
                    rows = await self.embedder.embed([*self.texts, *texts])
                    self._vectors = matrix(rows[: len(self.texts)])
                    return self._vectors, matrix(rows[len(self.texts) :])
        assert self._vectors is not None
        return self._vectors, matrix(await self.embedder.embed(list(texts)) if texts else [])
